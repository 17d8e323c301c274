import { describeConformance } from "@kv/conformance";
import { MemcachedStore } from "@kv/memcached";
import { BaseWrapper } from "@kv/protocol";
import { MemcacheClient } from "memcache-client";
import { afterAll } from "vitest";
import { memcachedUrl } from "../../../scripts/services/require-service.ts";

class PassThroughWrapper extends BaseWrapper {}

const open = () => new MemcachedStore({ url: memcachedUrl() });

// One connection per client, which answers in order.
await describeConformance("MemcachedStore", {
  createStore: open,
  createPeer: open,
  answersInOrder: true,
});

await describeConformance("MemcachedStore through a pass-through BaseWrapper", {
  createStore: () => new PassThroughWrapper(open()),
  createPeer: open,
  answersInOrder: true,
});

/** Clients of the test's own, lent to the stores of the last run and to their peers. */
const server = new URL(memcachedUrl()).host;
const lent = new MemcacheClient({ server });
const lentToPeers = new MemcacheClient({ server });
afterAll(() => {
  lent.shutdown();
  lentToPeers.shutdown();
});

await describeConformance("MemcachedStore over a borrowed memcache-client", {
  createStore: () => new MemcachedStore({ client: lent }),
  createPeer: () => new MemcachedStore({ client: lentToPeers }),
  answersInOrder: true,
});
