import { type ChildProcessByStdio, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { describeConformance, sleep } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import { type KeyValue, StoreClosedError, StoreConfigurationError } from "@kv/protocol";
import { RedisStore } from "@kv/redis";
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { redisUrl, requireService } from "../../../scripts/services/require-service.ts";
import { InvalidationBusError, RedisInvalidationBus } from "../src/bus.ts";
import { TieredStore } from "../src/tiers.ts";

await requireService("redis", redisUrl());

const run = randomUUID().slice(0, 8);
let counter = 0;
const clients: Redis[] = [];
const namespaces = new Set<string>();
const buses: RedisInvalidationBus[] = [];

/** A connection to the test Redis, closed after the file. */
function client(): Redis {
  const redis = new Redis(redisUrl());
  clients.push(redis);
  return redis;
}

/** A channel no other test uses. */
function freshChannel(): string {
  return `kv-cache-bus-${run}-${++counter}`;
}

/** A bus on its own clients (or those given), closed after the file. */
function bus(channel: string, subscriber = client(), publisher = client()): RedisInvalidationBus {
  const made = new RedisInvalidationBus({ publisher, subscriber, channel });
  buses.push(made);
  return made;
}

/** A Redis store in the namespace named, removed after the file. */
function redisStore(namespace: string): RedisStore {
  namespaces.add(namespace);
  return new RedisStore({ url: redisUrl(), namespace });
}

afterAll(async () => {
  for (const made of buses) await made.close();
  for (const namespace of namespaces) {
    const store = new RedisStore({ url: redisUrl(), namespace });
    await store.destroy();
    await store.close();
  }
  for (const redis of clients) redis.disconnect();
});

/** Resolves with the first message `bus` delivers (from another bus). */
function nextMessage(from: RedisInvalidationBus): Promise<[string, readonly string[]]> {
  return new Promise((resolve) => {
    const stop = from.subscribe((collection, keys) => {
      stop();
      resolve([collection, keys]);
    });
  });
}

/** How many connections are subscribed to `channel`. */
async function subscribers(channel: string): Promise<number> {
  const [, count] = (await client().pubsub("NUMSUB", channel)) as [string, number];
  return count;
}

/**
 * The worker: a process with its own `TieredStore` (a MemoryStore over Redis) and bus, driven by
 * lines on stdin: `read <key>` answers `value <key> <through the store> <in L1>`; `watch <key>`
 * answers `watching <key>`, then `dropped <key>` once its L1 no longer holds the key.
 */
const worker = `
import { createInterface } from "node:readline";
import { MemoryStore } from "@kv/memory";
import { RedisStore } from "@kv/redis";
import { Redis } from "ioredis";
import { RedisInvalidationBus } from ${JSON.stringify(new URL("../src/bus.ts", import.meta.url).href)};
import { TieredStore } from ${JSON.stringify(new URL("../src/tiers.ts", import.meta.url).href)};

const { KV_REDIS_URL: url, BUS_CHANNEL: channel, BUS_NAMESPACE: namespace } = process.env;
const publisher = new Redis(url);
const subscriber = new Redis(url);
const bus = new RedisInvalidationBus({ publisher, subscriber, channel });
const l1 = new MemoryStore();
const store = new TieredStore([l1, new RedisStore({ url, namespace })], { bus });
await bus.ready();
const say = (line) => process.stdout.write(line + "\\n");
const json = (value) => JSON.stringify(value ?? null);
say("ready");
for await (const line of createInterface({ input: process.stdin })) {
  const [command, key] = line.split(" ");
  if (command === "read") {
    const value = await store.get(key);
    say(\`value \${key} \${json(value)} \${json(await l1.get(key))}\`);
  } else if (command === "watch") {
    say(\`watching \${key}\`);
    while ((await l1.get(key)) !== undefined) await new Promise((resolve) => setTimeout(resolve, 1));
    say(\`dropped \${key}\`);
  }
}
await store.close();
await bus.close();
publisher.disconnect();
subscriber.disconnect();
`;

/** A worker process and the lines it prints. */
class Worker {
  readonly #child: ChildProcessByStdio<Writable, Readable, null>;
  readonly #lines: string[] = [];
  readonly #waiting: { prefix: string; resolve: (line: string) => void }[] = [];
  #buffer = "";

  constructor(channel: string, namespace: string) {
    this.#child = spawn(
      process.execPath,
      ["--conditions=@kv/source", "--import", "tsx", "--input-type=module", "-e", worker],
      {
        cwd: fileURLToPath(new URL("..", import.meta.url)),
        env: {
          ...process.env,
          KV_REDIS_URL: redisUrl(),
          BUS_CHANNEL: channel,
          BUS_NAMESPACE: namespace,
        },
        stdio: ["pipe", "pipe", "inherit"],
      },
    );
    this.#child.stdout.on("data", (chunk: Buffer) => {
      this.#buffer += chunk.toString();
      const lines = this.#buffer.split("\n");
      this.#buffer = lines.pop() ?? "";
      for (const line of lines) this.#take(line);
    });
  }

  /** The next line that starts with `prefix`. */
  line(prefix: string): Promise<string> {
    const index = this.#lines.findIndex((line) => line.startsWith(prefix));
    if (index >= 0) return Promise.resolve(this.#lines.splice(index, 1)[0] as string);
    return new Promise((resolve) => this.#waiting.push({ prefix, resolve }));
  }

  /** Sends a command and waits for the answer that starts with `answer`. */
  ask(command: string, answer: string): Promise<string> {
    const line = this.line(answer);
    this.#child.stdin.write(`${command}\n`);
    return line;
  }

  /** Ends the worker and waits for it to exit. */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.#child.once("exit", resolve));
    this.#child.stdin.end();
    await Promise.race([exited, sleep(10_000)]);
    if (this.#child.exitCode === null) this.#child.kill("SIGKILL");
  }

  #take(line: string): void {
    const index = this.#waiting.findIndex(({ prefix }) => line.startsWith(prefix));
    if (index < 0) {
      this.#lines.push(line);
      return;
    }
    const [waiting] = this.#waiting.splice(index, 1);
    waiting?.resolve(line);
  }
}

describe("RedisInvalidationBus between processes", () => {
  let child: Worker | undefined;
  afterEach(async () => {
    await child?.stop();
    child = undefined;
  });

  it("drops a key another process overwrote or deleted from this process's L1 within 100 ms", async () => {
    const channel = freshChannel();
    const namespace = `kv-cache-bus-${run}-processes`;
    child = new Worker(channel, namespace);
    const store = new TieredStore([new MemoryStore(), redisStore(namespace)], {
      bus: bus(channel),
    });
    await child.line("ready");

    const changes: [key: string, change: () => Promise<unknown>, after: string][] = [];
    for (let round = 0; round < 3; round++) {
      const overwritten = `overwritten-${round}`;
      const deleted = `deleted-${round}`;
      await store.putMany([
        [overwritten, { version: 1 }],
        [deleted, { version: 1 }],
      ]);
      changes.push([overwritten, () => store.put(overwritten, { version: 2 }), '{"version":2}']);
      changes.push([deleted, () => store.delete(deleted), "null"]);
    }
    const delays: number[] = [];
    for (const [key, change, after] of changes) {
      expect(await child.ask(`read ${key}`, `value ${key} `)).toBe(
        `value ${key} {"version":1} {"version":1}`,
      );
      await child.ask(`watch ${key}`, `watching ${key}`);
      const dropped = child.line(`dropped ${key}`);
      const started = performance.now();
      await change();
      await dropped;
      delays.push(performance.now() - started);
      expect(await child.ask(`read ${key}`, `value ${key} `)).toBe(
        `value ${key} ${after} ${after}`,
      );
    }
    console.info(
      `L1 invalidation in another process, ms: ${delays.map((ms) => ms.toFixed(1)).join(", ")}`,
    );
    for (const delay of delays) expect(delay).toBeLessThan(100);
  });
});

describe("RedisInvalidationBus", () => {
  it("delivers a message to the other buses on the channel, never back to the one that sent it", async () => {
    const channel = freshChannel();
    const subscriber = client();
    const [sender, receiver] = [bus(channel, subscriber), bus(channel, subscriber)];
    await Promise.all([sender.ready(), receiver.ready()]);
    const sent: [string, readonly string[]][] = [];
    sender.subscribe((collection, keys) => sent.push([collection, keys]));

    const received = nextMessage(receiver);
    await sender.publish("users", ["u1", "u2"]);
    expect(await received).toEqual(["users", ["u1", "u2"]]);
    expect(sent).toEqual([]);
  });

  it("keeps a store's own write in its L1 when its own message comes back", async () => {
    const channel = freshChannel();
    const namespace = `kv-cache-bus-${run}-own`;
    const subscriber = client();
    const own = bus(channel, subscriber);
    const observer = bus(channel, subscriber);
    await Promise.all([own.ready(), observer.ready()]);
    const l1 = new MemoryStore();
    const store = new TieredStore([l1, redisStore(namespace)], { bus: own });

    const seen = nextMessage(observer);
    await store.put("k", { n: 1 });
    expect(await seen).toEqual(["default_collection", ["k"]]);
    await sleep(20);
    expect(await l1.get("k")).toEqual({ n: 1 });
  });

  it("drops the keys another store publishes from L1, and a whole collection for no keys", async () => {
    const channel = freshChannel();
    const namespace = `kv-cache-bus-${run}-other`;
    const [l1, redis] = [new MemoryStore(), redisStore(namespace)];
    const listening = bus(channel);
    const reader = new TieredStore([l1, redis], { bus: listening });
    const writer = new TieredStore([new MemoryStore(), redisStore(namespace)], {
      bus: bus(channel),
    });
    await listening.ready();
    await l1.putMany([
      ["a", { stale: true }],
      ["b", { stale: true }],
    ]);
    await redis.put("b", { kept: true });

    const seen = nextMessage(listening);
    await writer.delete("a");
    await seen;
    await sleep(20);
    expect(await l1.getMany(["a", "b"])).toEqual([undefined, { stale: true }]);
    expect(await redis.get("b")).toEqual({ kept: true });

    const whole = nextMessage(listening);
    await writer.destroyCollection?.("default_collection");
    expect(await whole).toEqual(["default_collection", []]);
    await sleep(20);
    expect(await l1.get("b")).toBeUndefined();
    expect(await reader.get("b")).toBeUndefined();
  });

  it("unsubscribes the channel when the last bus using it on a connection closes", async () => {
    const channel = freshChannel();
    const subscriber = client();
    const [first, second] = [bus(channel, subscriber), bus(channel, subscriber)];
    await Promise.all([first.ready(), second.ready()]);
    expect(await subscribers(channel)).toBe(1);

    await first.close();
    await first.close();
    expect(await subscribers(channel)).toBe(1);
    const received = nextMessage(second);
    await client().publish(
      channel,
      JSON.stringify({ sender: "another", collection: "c", keys: ["k"] }),
    );
    expect(await received).toEqual(["c", ["k"]]);

    await second.close();
    expect(await subscribers(channel)).toBe(0);
    await expect(second.publish("c", ["k"])).rejects.toSatisfy(StoreClosedError.isInstance);
    expect(() => second.subscribe(() => {})).toThrow(StoreClosedError);
  });

  it("stops a closed TieredStore listening, and leaves the bus to its other stores", async () => {
    const channel = freshChannel();
    const namespace = `kv-cache-bus-${run}-closed`;
    const shared = bus(channel);
    const [closedL1, openL1] = [new MemoryStore(), new MemoryStore()];
    const closed = new TieredStore([closedL1, redisStore(namespace)], { bus: shared });
    const open = new TieredStore([openL1, redisStore(namespace)], { bus: shared });
    await shared.ready();
    await closedL1.put("k", { cached: true });
    await openL1.put("k", { cached: true });

    await closed.close?.();
    const seen = nextMessage(shared);
    await bus(channel).publish("default_collection", ["k"]);
    await seen;
    await sleep(20);
    expect(await closedL1.get("k")).toEqual({ cached: true });
    expect(await openL1.get("k")).toBeUndefined();
    await open.close?.();
  });

  it("fails a write whose invalidation cannot be sent with InvalidationBusError, after writing", async () => {
    const namespace = `kv-cache-bus-${run}-unsent`;
    const publisher = client();
    const broken = new RedisInvalidationBus({
      publisher,
      subscriber: client(),
      channel: freshChannel(),
    });
    buses.push(broken);
    const redis = redisStore(namespace);
    const store = new TieredStore([new MemoryStore(), redis], { bus: broken });
    publisher.disconnect();

    const error = await store.put("k", { n: 1 }).catch((caught: unknown) => caught);
    expect(InvalidationBusError.isInstance(error)).toBe(true);
    expect((error as InvalidationBusError).transient).toBe(true);
    expect(await redis.get("k")).toEqual({ n: 1 });
  });

  it("tells onError about messages on the channel that are not invalidations, and ignores them", async () => {
    const channel = freshChannel();
    const errors: unknown[] = [];
    const listening = new RedisInvalidationBus({
      publisher: client(),
      subscriber: client(),
      channel,
      onError: (error) => errors.push(error),
    });
    buses.push(listening);
    await listening.ready();
    const delivered: unknown[] = [];
    listening.subscribe((collection, keys) => delivered.push([collection, keys]));

    const received = nextMessage(listening);
    const raw = client();
    await raw.publish(channel, "not json");
    await raw.publish(channel, JSON.stringify({ sender: "x", collection: "", keys: ["k"] }));
    await raw.publish(channel, JSON.stringify({ sender: "x", collection: "c", keys: ["k"] }));
    await received;
    expect(delivered).toEqual([["c", ["k"]]]);
    expect(errors).toHaveLength(2);
    expect(errors.every(InvalidationBusError.isInstance)).toBe(true);
  });

  it("refuses clients that cannot do pub/sub and an empty channel", () => {
    const redis = client();
    expect(() => new RedisInvalidationBus({ publisher: redis, subscriber: redis })).toThrow(
      StoreConfigurationError,
    );
    expect(() => new RedisInvalidationBus({ publisher: redis, subscriber: {} as Redis })).toThrow(
      TypeError,
    );
    expect(
      () => new RedisInvalidationBus({ publisher: redis, subscriber: client(), channel: "" }),
    ).toThrow(StoreConfigurationError);
  });
});

const conformanceBuses = new WeakMap<KeyValue, RedisInvalidationBus>();
const conformanceChannel = freshChannel();
const [conformanceSubscriber, conformancePublisher] = [client(), client()];
conformanceSubscriber.setMaxListeners(0);

await describeConformance("TieredStore: MemoryStore over RedisStore, with a RedisInvalidationBus", {
  createStore: () => {
    const made = bus(conformanceChannel, conformanceSubscriber, conformancePublisher);
    const namespace = `kv-cache-bus-${run}-conformance-${++counter}`;
    const store = new TieredStore([new MemoryStore(), redisStore(namespace)], { bus: made });
    conformanceBuses.set(store, made);
    return store;
  },
  cleanup: async (store) => {
    await conformanceBuses.get(store)?.close();
  },
});
