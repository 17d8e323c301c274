import { describeConformance } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import { PassthroughCacheWrapper } from "@kv/passthrough-cache";
import { afterAll } from "vitest";
import { realStores } from "./real-stores.ts";

await describeConformance("PassthroughCacheWrapper: MemoryStore cache over a MemoryStore", {
  createStore: () => new PassthroughCacheWrapper(new MemoryStore(), new MemoryStore()),
});

await describeConformance("PassthroughCacheWrapper with maxCacheTtl", {
  createStore: () =>
    new PassthroughCacheWrapper(new MemoryStore(), new MemoryStore(), { maxCacheTtl: "1m" }),
});

const real = realStores();
afterAll(() => real.dispose());

await describeConformance("PassthroughCacheWrapper: MemoryStore cache over Redis", {
  createStore: () => new PassthroughCacheWrapper(real.inNamespace(), new MemoryStore()),
});

await describeConformance("PassthroughCacheWrapper: MemoryStore cache over SQLite", {
  createStore: () => new PassthroughCacheWrapper(real.inFile(), new MemoryStore()),
});
