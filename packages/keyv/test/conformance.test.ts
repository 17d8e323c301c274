import KeyvRedis from "@keyv/redis";
import { describeConformance } from "@kv/conformance";
import { fromKeyv, toKeyvStore } from "@kv/keyv";
import { MemoryStore } from "@kv/memory";
import { afterAll } from "vitest";
import { redisUrl, uniqueNamespace } from "./servers.ts";

// Keyv's own in-memory adapter: a plain Map, which never expires anything itself.
await describeConformance("fromKeyv(new Map())", {
  createStore: () => fromKeyv(new Map()),
});

// @keyv/redis on the real server, each store in a namespace of its own run.
const namespace = uniqueNamespace("from-keyv");
const redisAdapter = () =>
  new KeyvRedis(redisUrl(), { namespace, throwOnErrors: true, throwOnConnectError: true });

afterAll(async () => {
  const adapter = redisAdapter();
  await adapter.clear();
  await adapter.disconnect();
});

await describeConformance("fromKeyv(new KeyvRedis(...)) on the test Redis", {
  createStore: () => fromKeyv(redisAdapter()),
});

// Both bridges at once: a store seen through Keyv's adapter interface and back.
await describeConformance("fromKeyv(toKeyvStore(new MemoryStore()))", {
  createStore: () => fromKeyv(toKeyvStore(new MemoryStore(), { collection: "through-keyv" })),
});
