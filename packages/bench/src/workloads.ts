import { deepStrictEqual } from "node:assert/strict";
import type { AtomicClient, Client, Entry, Value, Workload, WorkloadId } from "./types.ts";

/** A value whose JSON is about 100 bytes. */
export const SMALL_VALUE: Value = {
  id: 4711,
  name: "Ada Lovelace",
  email: "ada@example.com",
  roles: ["admin", "editor"],
  active: true,
};

/** A value whose JSON is about 10 KB. */
export const LARGE_VALUE: Value = {
  id: 4712,
  items: Array.from({ length: 100 }, (_, index) => ({
    sku: `SKU-${String(index).padStart(6, "0")}`,
    quantity: index % 7,
    price: 10 + index / 4,
    note: "lorem ipsum dolor sit amet consectetur adip",
  })),
};

/** The number of keys a sequential workload cycles through. */
const KEY_SPACE = 1000;
/** The number of keys of one bulk or concurrent call, unless a workload names another. */
const BATCH = 100;

function keys(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}:${index}`);
}

/** Calls `step` with the keys of `prefix` in turn, wrapping around. */
function cycling(prefix: string, step: (key: string) => Promise<unknown>): () => Promise<unknown> {
  const names = keys(prefix, KEY_SPACE);
  let index = 0;
  return () => {
    const key = names[index] ?? "";
    index = index + 1 === names.length ? 0 : index + 1;
    return step(key);
  };
}

async function checkRoundTrip(client: Client, key: string, value: Value): Promise<void> {
  await client.put(key, value);
  deepStrictEqual(await client.get(key), value, "get returns what put wrote");
}

/** Checks that a read of many keys gave one value per key, the first and last `value`. */
function checkValues(values: readonly unknown[], names: readonly string[], value: Value): void {
  deepStrictEqual(values.length, names.length, "the read returns one value per key");
  deepStrictEqual(values[0], value, "the read returns what was written");
  deepStrictEqual(values[names.length - 1], value, "the read returns what was written");
}

const smallEntries = (names: readonly string[]): Entry[] =>
  names.map((name) => [name, SMALL_VALUE] as const);

/** Puts then gets one key at a time, cycling through keys under `id`. */
const putThenGet = (id: WorkloadId, size: string, value: Value): Workload => ({
  id,
  title: `put then get, one key at a time (${size} value)`,
  unit: "put→get pairs/s",
  opsPerCall: 1,
  async prepare(client) {
    await checkRoundTrip(client, `${id}:0`, value);
    return cycling(id, async (key) => {
      await client.put(key, value);
      await client.get(key);
    });
  },
});

/** A workload of `count` keys per call, named by `id`: `prepare` gets the client and the keys. */
const batchWorkload = (
  id: WorkloadId,
  title: string,
  count: number,
  prepare: (client: Client, names: readonly string[]) => Promise<() => Promise<unknown>>,
): Workload => ({
  id,
  title,
  unit: "keys/s",
  opsPerCall: count,
  prepare: (client) => prepare(client, keys(id, count)),
});

/** Reads `count` keys, written first, with `read` (all in one call, or in concurrent calls). */
const readBatch = (
  id: WorkloadId,
  title: string,
  read: (client: Client, names: readonly string[]) => Promise<readonly unknown[]>,
  count = BATCH,
): Workload =>
  batchWorkload(id, title, count, async (client, names) => {
    await client.putMany(smallEntries(names));
    checkValues(await read(client, names), names, SMALL_VALUE);
    return () => read(client, names);
  });

/** Writes `count` keys in one call with `write` (`putMany` or `putManyTtl`). */
const bulkPut = (
  id: WorkloadId,
  title: string,
  write: (client: Client, entries: readonly Entry[]) => Promise<unknown>,
  count = BATCH,
): Workload =>
  batchWorkload(id, title, count, async (client, names) => {
    const entries = smallEntries(names);
    await write(client, entries);
    checkValues(await client.getMany(names), names, SMALL_VALUE);
    return () => write(client, entries);
  });

/** The subject's atomic calls. @throws when it has none (the harness skips those subjects) */
function atomicOf(client: Client): AtomicClient {
  if (client.atomic === undefined) throw new Error("no atomic operations");
  return client.atomic;
}

/** The workloads of the atomic operations: run by the subjects that have them. */
export const ATOMIC_WORKLOADS: readonly Workload[] = [
  {
    id: "put-if-absent",
    title: "putIfAbsent of a new key, one at a time (the keys removed in bulk every 1 000 calls)",
    unit: "writes/s",
    opsPerCall: 1,
    requiresAtomic: true,
    async prepare(client) {
      const atomic = atomicOf(client);
      const run = `put-if-absent:${Date.now().toString(36)}`;
      deepStrictEqual(await atomic.putIfAbsent(`${run}:check`, SMALL_VALUE), true);
      deepStrictEqual(await atomic.putIfAbsent(`${run}:check`, SMALL_VALUE), false);
      // Every key is new, so the keys written are removed every KEY_SPACE calls: the heap (and
      // the server) would otherwise grow by every call of every round, for every later workload.
      let index = 0;
      const written: string[] = [];
      return async () => {
        if (written.length === KEY_SPACE) {
          await atomic.deleteMany(written);
          written.length = 0;
        }
        const key = `${run}:${index++}`;
        written.push(key);
        return atomic.putIfAbsent(key, SMALL_VALUE);
      };
    },
  },
  {
    id: "increment",
    title: "increment a counter, one at a time",
    unit: "increments/s",
    opsPerCall: 1,
    requiresAtomic: true,
    async prepare(client) {
      const atomic = atomicOf(client);
      const first = await atomic.increment("increment:check");
      deepStrictEqual(await atomic.increment("increment:check"), first + 1);
      return cycling("increment", (key) => atomic.increment(key));
    },
  },
  {
    id: "put-if-version",
    title: "read with version, then putIfVersion (one compare-and-set)",
    unit: "cycles/s",
    opsPerCall: 1,
    requiresAtomic: true,
    async prepare(client) {
      const atomic = atomicOf(client);
      const names = keys("put-if-version", KEY_SPACE);
      await client.putMany(smallEntries(names));
      deepStrictEqual(await atomic.compareAndSet(names[0] ?? "", SMALL_VALUE), true);
      return cycling("put-if-version", (key) => atomic.compareAndSet(key, SMALL_VALUE));
    },
  },
];

const getMany = (client: Client, names: readonly string[]) => client.getMany(names);
const putMany = (client: Client, entries: readonly Entry[]) => client.putMany(entries);

/** Every workload, in report order. */
export const WORKLOADS: readonly Workload[] = [
  putThenGet("put-get", "~100 B", SMALL_VALUE),
  readBatch("get-concurrent", "100 concurrent gets (Promise.all)", (client, names) =>
    Promise.all(names.map((name) => client.get(name))),
  ),
  readBatch("get-many-10", "getMany of 10 keys", getMany, 10),
  readBatch("get-many", "getMany of 100 keys", getMany),
  readBatch("get-many-1000", "getMany of 1 000 keys", getMany, 1000),
  bulkPut("put-many-10", "putMany of 10 keys", putMany, 10),
  bulkPut("put-many", "putMany of 100 keys", putMany),
  bulkPut("put-many-1000", "putMany of 1 000 keys", putMany, 1000),
  putThenGet("put-get-10kb", "~10 KB", LARGE_VALUE),
  {
    id: "put-ttl",
    title: "put with a TTL, one key at a time",
    unit: "puts/s",
    opsPerCall: 1,
    async prepare(client) {
      await client.putTtl("put-ttl:0", SMALL_VALUE);
      deepStrictEqual(await client.get("put-ttl:0"), SMALL_VALUE, "get returns what putTtl wrote");
      return cycling("put-ttl", (key) => client.putTtl(key, SMALL_VALUE));
    },
  },
  bulkPut("put-many-ttl", "putMany of 100 keys with a TTL", (client, entries) =>
    client.putManyTtl(entries),
  ),
  ...ATOMIC_WORKLOADS,
];
