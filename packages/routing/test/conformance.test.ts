import { createHash } from "node:crypto";
import { describeConformance } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import type { KeyValue } from "@kv/protocol";
import { RoutingWrapper } from "@kv/routing";
import { afterAll } from "vitest";
import { realStores } from "./real-stores.ts";

/** Spreads keys over `stores` by a hash of (collection, key). */
function byHash(stores: readonly KeyValue[]): (collection: string, key: string) => KeyValue {
  return (collection, key) => {
    const digest = createHash("sha1").update(`${collection}\0${key}`).digest();
    return stores[(digest[0] ?? 0) % stores.length] as KeyValue;
  };
}

await describeConformance("RoutingWrapper by collection around MemoryStores", {
  createStore: () =>
    new RoutingWrapper({
      collections: { default_collection: new MemoryStore() },
      defaultStore: new MemoryStore(),
    }),
});

await describeConformance("RoutingWrapper by key over three MemoryStores", {
  createStore: () => {
    const stores = [new MemoryStore(), new MemoryStore()];
    return new RoutingWrapper({
      route: byHash([...stores, undefined as unknown as KeyValue]),
      stores,
      defaultStore: new MemoryStore(),
    });
  },
});

const real = realStores();
afterAll(() => real.dispose());

await describeConformance(
  "RoutingWrapper by collection: default collection on Redis, the rest on SQLite",
  {
    createStore: () =>
      new RoutingWrapper({
        collections: new Map([["default_collection", real.inNamespace("by-collection")]]),
        defaultStore: real.inFile(),
      }),
  },
);

await describeConformance("RoutingWrapper by key over Redis and SQLite", {
  createStore: () => {
    const redis = real.inNamespace("by-key");
    const sqlite = real.inFile();
    return new RoutingWrapper({
      route: byHash([redis, sqlite]),
      stores: [redis],
      defaultStore: sqlite,
    });
  },
});
