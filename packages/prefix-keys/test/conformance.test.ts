import { describeConformance } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import { PrefixKeysWrapper } from "@kv/prefix-keys";

await describeConformance("PrefixKeysWrapper around MemoryStore", {
  createStore: () => new PrefixKeysWrapper(new MemoryStore(), { prefix: "app" }),
});

await describeConformance("PrefixKeysWrapper with a separator of its own", {
  createStore: () => new PrefixKeysWrapper(new MemoryStore(), { prefix: "a:b", separator: ":" }),
});
