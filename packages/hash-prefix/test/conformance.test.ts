import { describeConformance } from "@kv/conformance";
import { HashPrefixWrapper } from "@kv/hash-prefix";
import { MemoryStore } from "@kv/memory";

await describeConformance("HashPrefixWrapper around MemoryStore", {
  createStore: () => new HashPrefixWrapper(new MemoryStore()),
});

await describeConformance("HashPrefixWrapper with a long prefix and no separator", {
  createStore: () => new HashPrefixWrapper(new MemoryStore(), { prefixLength: 8, separator: "" }),
});
