import { describeConformance } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import { SingleCollectionWrapper } from "@kv/single-collection";

await describeConformance("SingleCollectionWrapper around MemoryStore", {
  createStore: () => new SingleCollectionWrapper(new MemoryStore(), { singleCollection: "kv" }),
});

await describeConformance("SingleCollectionWrapper with a one-character separator", {
  createStore: () =>
    new SingleCollectionWrapper(new MemoryStore(), { singleCollection: "kv", separator: ":" }),
});
