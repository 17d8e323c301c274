import { createServer, type Server, type Socket } from "node:net";
import { freeLoopbackPort } from "@kv/conformance";
import { StoreConnectionError } from "@kv/protocol";
import { RedisStore } from "@kv/redis";
import { Redis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import { PrivateRedis } from "./private-redis.ts";

/** What a call counts as failing "at once" while the connection is known to be down. */
const FAST_MS = 50;
/** Stores closed after each test. */
const stores: RedisStore[] = [];
/** Servers disposed of after each test. */
const servers: PrivateRedis[] = [];

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const server of servers.splice(0)) await server.dispose();
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Every kind of call, each once. */
function everyCall(store: RedisStore): (() => Promise<unknown>)[] {
  return [
    () => store.get("k"),
    () => store.getMany(["k", "j"]),
    () => store.ttl("k"),
    () => store.put("k", { n: 2 }),
    () => store.putMany([["k", { n: 2 }]], { ttl: 10 }),
    () => store.delete("k"),
    () => store.deleteMany(["k", "j"]),
    () => store.keys(),
    () => store.collections(),
  ];
}

/** Runs the call and returns how long it took to fail with StoreConnectionError. */
async function failureMs(call: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  const error = await call().then(
    () => new Error("the call succeeded"),
    (thrown: unknown) => thrown,
  );
  const elapsed = performance.now() - started;
  expect(StoreConnectionError.isInstance(error), String(error)).toBe(true);
  expect((error as Error).cause).toBeInstanceOf(Error);
  return elapsed;
}

/** Calls until one fails (the store learns the connection is down), for at most a second. */
async function untilKnownDown(store: RedisStore): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const failed = await store.get("k").then(
      () => false,
      () => true,
    );
    if (failed) return;
    await sleep(10);
  }
  throw new Error("the store never noticed the server was down");
}

/** Every call fails in under FAST_MS, again and again for `forMs`, spanning reconnection attempts. */
async function expectFastFailures(store: RedisStore, forMs: number): Promise<number> {
  const until = performance.now() + forMs;
  let calls = 0;
  while (performance.now() < until) {
    for (const call of everyCall(store)) {
      expect(await failureMs(call)).toBeLessThan(FAST_MS);
      calls++;
    }
    await sleep(50);
  }
  return calls;
}

/** Puts and reads back until the server answers again; returns how long that took. */
async function recoveryMs(store: RedisStore): Promise<number> {
  const started = performance.now();
  for (;;) {
    try {
      await store.put("k", { n: 3 });
      expect(await store.get("k")).toEqual({ n: 3 });
      return performance.now() - started;
    } catch (error) {
      expect(StoreConnectionError.isInstance(error)).toBe(true);
      if (performance.now() - started > 5000) throw error;
      await sleep(20);
    }
  }
}

describe("a store whose server goes down", () => {
  it("fails every call at once while the connection is known down, and recovers without a new store", async () => {
    const server = await PrivateRedis.start();
    servers.push(server);
    // The default timeoutMs (5 s): failing fast must not depend on a short timeout.
    const store = new RedisStore({ url: server.url });
    stores.push(store);
    await store.put("k", { n: 1 });
    expect(await store.get("k")).toEqual({ n: 1 });

    await server.stop();
    await untilKnownDown(store);
    expect(await expectFastFailures(store, 2500)).toBeGreaterThan(100);

    await server.start();
    expect(await recoveryMs(store)).toBeLessThan(3000);
    for (const call of everyCall(store)) await call();

    // A second outage behaves the same as the first.
    await server.stop();
    await untilKnownDown(store);
    await expectFastFailures(store, 500);
    await server.start();
    await recoveryMs(store);
  });

  it("does the same on a Cluster whose only node goes down", async () => {
    const server = await PrivateRedis.startCluster();
    servers.push(server);
    const store = new RedisStore({ nodes: [`127.0.0.1:${server.port}`] });
    stores.push(store);
    await store.put("k", { n: 1 });

    await server.stop();
    await untilKnownDown(store);
    await expectFastFailures(store, 1500);

    await server.start();
    expect(await recoveryMs(store)).toBeLessThan(3000);
  });

  it("fails the first call at once when nothing listens, and every later one too", async () => {
    const port = await freeLoopbackPort();
    const store = new RedisStore({ url: `redis://127.0.0.1:${port}` });
    stores.push(store);
    expect(await failureMs(() => store.get("k"))).toBeLessThan(1000);
    await expectFastFailures(store, 300);
  });

  it("fails the first call after connectTimeoutMs when the server accepts but never answers", async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const address = silent.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    try {
      const store = new RedisStore({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 300 });
      stores.push(store);
      const first = await failureMs(() => store.put("k", { n: 1 }));
      expect(first).toBeGreaterThanOrEqual(250);
      expect(first).toBeLessThan(1500);
      await expectFastFailures(store, 300);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("fails fast over a borrowed client that has no offline queue", async () => {
    const server = await PrivateRedis.start();
    servers.push(server);
    const client = new Redis(server.port, "127.0.0.1", { enableOfflineQueue: false });
    client.on("error", () => {});
    // Without an offline queue a client fails calls made before it is ready, so wait for it.
    await new Promise((resolve) => client.once("ready", resolve));
    const store = new RedisStore({ client });
    stores.push(store);
    try {
      await store.put("k", { n: 1 });
      await server.stop();
      await untilKnownDown(store);
      await expectFastFailures(store, 500);
      await server.start();
      await recoveryMs(store);
    } finally {
      client.disconnect();
    }
  });
});
