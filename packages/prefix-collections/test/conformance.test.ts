import { describeConformance } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import { PrefixCollectionsWrapper } from "@kv/prefix-collections";

await describeConformance("PrefixCollectionsWrapper around MemoryStore", {
  createStore: () => new PrefixCollectionsWrapper(new MemoryStore(), { prefix: "app" }),
});

await describeConformance("PrefixCollectionsWrapper with a separator and default of its own", {
  createStore: () =>
    new PrefixCollectionsWrapper(new MemoryStore(), {
      prefix: "a/b",
      separator: "/",
      defaultCollection: "main",
    }),
});
