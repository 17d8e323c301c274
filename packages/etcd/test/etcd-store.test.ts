import { type AddressInfo, createServer, type Socket } from "node:net";
import { freeLoopbackPort, pythonTimestamp } from "@kv/conformance";
import { EtcdStore, RequestTooLargeError } from "@kv/etcd";
import {
  StoreClosedError,
  StoreConfigurationError,
  StoreConnectionError,
  supportsCull,
} from "@kv/protocol";
import { afterAll, describe, expect, it, vi } from "vitest";
import { deleteNamespace, freshNamespace, ownStore, rawClient, url } from "./helpers.ts";

const client = rawClient();
const namespace = freshNamespace("spec");
const otherNamespace = freshNamespace("other");
const stores: EtcdStore[] = [];

/** A store on the test namespace, closed after the file; each call may override any option. */
function store(options: Parameters<typeof ownStore>[1] = {}): EtcdStore {
  const made = ownStore(namespace, options);
  stores.push(made);
  return made;
}

let counter = 0;
function collection(label = "c"): string {
  return `${label}-${++counter}`;
}

async function raw(key: string) {
  return (await client.kv.range({ key: Buffer.from(key) })).kvs[0];
}

afterAll(async () => {
  for (const made of stores) await made.close();
  await deleteNamespace(client, namespace);
  await deleteNamespace(client, otherNamespace);
  client.close();
});

describe("EtcdStore layout", () => {
  it("keeps an entry at <namespace>/<collection>/<key> as py-key-value's entry document", async () => {
    const users = collection("users");
    await store().put("u1", { name: "Ada" }, { collection: users });
    const kv = await raw(`${namespace}/${users}/u1`);
    const document = JSON.parse(kv?.value.toString() ?? "null");
    expect(document).toMatchObject({
      version: 1,
      collection: users,
      key: "u1",
      value: { name: "Ada" },
    });
    expect(document.created_at).toMatch(pythonTimestamp);
    expect(document).not.toHaveProperty("expires_at");
    expect(kv?.lease).toBe("0");
  });

  it("escapes % and / in the collection, so a / in a key or a collection never meets another pair", async () => {
    const s = store();
    const base = collection("a");
    await s.put("b/c", { n: 1 }, { collection: base });
    await s.put("c", { n: 2 }, { collection: `${base}/b` });
    await s.put("c", { n: 3 }, { collection: `${base}%2Fb` });
    expect((await raw(`${namespace}/${base}/b/c`))?.value.toString()).toContain('"n":1');
    expect((await raw(`${namespace}/${base}%2Fb/c`))?.value.toString()).toContain('"n":2');
    expect((await raw(`${namespace}/${base}%252Fb/c`))?.value.toString()).toContain('"n":3');
    expect(await s.get("b/c", { collection: base })).toEqual({ n: 1 });
    expect(await s.get("c", { collection: `${base}/b` })).toEqual({ n: 2 });
  });

  it("keeps stores with different namespaces apart, and destroy() removes only its own", async () => {
    const mine = store();
    const other = ownStore(otherNamespace);
    const shared = collection("shared");
    await mine.put("k", { who: "mine" }, { collection: shared });
    await other.put("k", { who: "other" }, { collection: shared });
    await other.destroy();
    expect(await mine.get("k", { collection: shared })).toEqual({ who: "mine" });
    expect(await other.get("k", { collection: shared })).toBeUndefined();
    await other.close();
  });

  it("refuses a namespace that is empty or contains /", () => {
    for (const bad of ["", "a/b"]) {
      expect(() => new EtcdStore({ url, namespace: bad })).toThrow(StoreConfigurationError);
    }
  });
});

describe("EtcdStore leases", () => {
  it("gives an expiring entry a lease that lasts at least as long as the entry", async () => {
    const c = collection();
    await store().put("k", { n: 1 }, { collection: c, ttl: 60 });
    const kv = await raw(`${namespace}/${c}/k`);
    expect(kv?.lease).not.toBe("0");
    const lease = await client.leaseClient.leaseTimeToLive({ ID: kv?.lease ?? "0" });
    expect(Number(lease.TTL)).toBeGreaterThanOrEqual(59);
    expect(Number(lease.TTL)).toBeLessThanOrEqual(60 + 60 / 16 + 2);
  });

  it("shares one lease among entries with the same TTL instead of granting one per write", async () => {
    const s = store();
    const c = collection();
    const grant = vi.spyOn(s.client.leaseClient, "leaseGrant");
    for (let index = 0; index < 20; index++)
      await s.put(`k${index}`, { index }, { collection: c, ttl: 600 });
    await s.putMany(
      [
        ["m1", { n: 1 }],
        ["m2", { n: 2 }],
      ],
      { collection: c, ttl: 600 },
    );
    const leases = new Set(
      (await client.getAll().prefix(`${namespace}/${c}/`).exec()).kvs.map((kv) => kv.lease),
    );
    expect(leases.size).toBeLessThanOrEqual(2);
    expect(grant.mock.calls.length).toBe(leases.size);
  });

  it("detaches the lease when an entry is written again without a TTL", async () => {
    const s = store();
    const c = collection();
    await s.put("k", { n: 1 }, { collection: c, ttl: 60 });
    await s.put("k", { n: 2 }, { collection: c });
    expect((await raw(`${namespace}/${c}/k`))?.lease).toBe("0");
  });

  it("lets etcd delete an expired entry itself, so no cull is needed", async () => {
    const s = store();
    const c = collection();
    await s.put("k", { n: 1 }, { collection: c, ttl: 0.5 });
    expect(supportsCull(s)).toBe(false);
    await vi.waitFor(async () => expect(await raw(`${namespace}/${c}/k`)).toBeUndefined(), {
      timeout: 10_000,
      interval: 250,
    });
  });

  it("grants a new lease when the one it kept was revoked", async () => {
    const s = store();
    const c = collection();
    await s.put("a", { n: 1 }, { collection: c, ttl: 300 });
    const lease = (await raw(`${namespace}/${c}/a`))?.lease ?? "0";
    await client.leaseClient.leaseRevoke({ ID: lease });
    await s.put("b", { n: 2 }, { collection: c, ttl: 300 });
    expect(await s.get("b", { collection: c })).toEqual({ n: 2 });
    expect((await raw(`${namespace}/${c}/b`))?.lease).not.toBe(lease);
  });
});

describe("EtcdStore bulk calls", () => {
  it("reads, writes and deletes many keys in transactions of at most maxTxnOps operations", async () => {
    const s = store({ maxTxnOps: 128 });
    const c = collection();
    const keys = Array.from({ length: 300 }, (_, index) => `k${index}`);
    const txn = vi.spyOn(s.client.kv, "txn");
    await s.putMany(
      keys.map((key, index) => [key, { index }]),
      { collection: c },
    );
    expect(txn).toHaveBeenCalledTimes(3);
    const values = await s.getMany([...keys, "missing"], { collection: c });
    expect(txn).toHaveBeenCalledTimes(6);
    expect(values).toEqual([...keys.map((_, index) => ({ index })), undefined]);
    expect(await s.deleteMany(keys, { collection: c })).toBe(300);
    expect(txn).toHaveBeenCalledTimes(9);
  });

  it("reads the gets made in one turn of the event loop in one transaction", async () => {
    const s = store();
    const c = collection();
    await s.putMany(
      Array.from(
        { length: 50 },
        (_, index) => [`k${index}`, { index }] as [string, { index: number }],
      ),
      { collection: c },
    );
    const txn = vi.spyOn(s.client.kv, "txn");
    const range = vi.spyOn(s.client.kv, "range");
    const values = await Promise.all(
      Array.from({ length: 50 }, (_, index) => s.get(`k${index}`, { collection: c })),
    );
    expect(values).toEqual(Array.from({ length: 50 }, (_, index) => ({ index })));
    expect(txn).toHaveBeenCalledTimes(1);
    expect(range).not.toHaveBeenCalled();
    expect(await s.get("k1", { collection: c })).toEqual({ index: 1 });
    expect(range).toHaveBeenCalledTimes(1);
  });

  it("splits a bulk write so that no transaction exceeds maxRequestBytes", async () => {
    const s = store({ maxRequestBytes: 64 * 1024 });
    const c = collection();
    const txn = vi.spyOn(s.client.kv, "txn");
    const big = "x".repeat(20 * 1024);
    await s.putMany(
      Array.from(
        { length: 10 },
        (_, index) => [`k${index}`, { big, index }] as [string, { big: string; index: number }],
      ),
      { collection: c },
    );
    expect(txn.mock.calls.length).toBeGreaterThanOrEqual(4);
    expect(await s.keys({ collection: c })).toHaveLength(10);
  });
});

describe("EtcdStore request size", () => {
  const tooBig = { text: "x".repeat(1_600_000) };

  it("refuses an entry beyond etcd's 1.5 MiB request limit before sending anything", async () => {
    const s = store();
    const c = collection();
    const error = await s.put("k", tooBig, { collection: c }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestTooLargeError);
    expect(error).toMatchObject({ limit: 1_572_864, key: "k", collection: c, transient: false });
    expect((error as RequestTooLargeError).size).toBeGreaterThan(1_600_000);
    await expect(
      s.putMany(
        [
          ["small", { n: 1 }],
          ["big", tooBig],
        ],
        { collection: c },
      ),
    ).rejects.toThrow(RequestTooLargeError);
    expect(await s.keys({ collection: c })).toEqual([]);
  });

  it("reports etcd's own refusal as RequestTooLargeError, with etcd's error as cause", async () => {
    const s = store({ maxRequestBytes: 4 * 1024 * 1024 });
    const error = await s.put("k", tooBig).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestTooLargeError);
    expect((error as RequestTooLargeError).size).toBeUndefined();
    expect(String((error as Error).cause)).toMatch(/request is too large/);
  });

  it("stores a value just under the limit", async () => {
    const c = collection();
    const value = { text: "y".repeat(1_500_000) };
    await store().put("k", value, { collection: c });
    expect(await store().get("k", { collection: c })).toEqual(value);
  });
});

describe("EtcdStore listings", () => {
  it("pages through keys and leaves out expired ones etcd has not deleted yet", async () => {
    const s = store({ pageSize: 2 });
    const c = collection();
    await s.putMany(
      ["a", "b", "c", "d", "e"].map((key) => [key, { key }]),
      { collection: c },
    );
    await s.put("gone", { n: 0 }, { collection: c, ttl: 0.05 });
    await s.put("later", { n: 1 }, { collection: c, ttl: 600 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await raw(`${namespace}/${c}/gone`))?.lease).not.toBe("0");
    expect((await s.keys({ collection: c })).sort()).toEqual(["a", "b", "c", "d", "e", "later"]);
  });

  it("lists collections with a live entry, hostile names included, one jump per collection", async () => {
    const s = store({ namespace: freshNamespace("collections") });
    stores.push(s);
    const names = ["plain", "with/slash", "with%25percent", "with0zero", "with.dot", "😀"];
    for (const name of names) await s.put("k", { name }, { collection: name });
    await s.put("k", { n: 0 }, { collection: "expired", ttl: 0.05 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const range = vi.spyOn(s.client.kv, "range");
    expect((await s.collections()).sort()).toEqual([...names].sort());
    // One jump per collection and a last one that finds nothing; the collection whose only
    // entry has a lease also costs a scan of its keys and a read of that entry's value.
    expect(range).toHaveBeenCalledTimes(names.length + 1 + 1 + 2);
    await s.destroy();
  });
});

describe("EtcdStore connections and errors", () => {
  it("accepts etcd://host:port as a member's plain HTTP client URL", async () => {
    const s = store({ url: url.replace(/^http:/, "etcd:") });
    await s.put("k", { n: 1 }, { collection: collection() });
  });

  it("refuses URLs of other schemes or with a path", () => {
    for (const bad of ["redis://127.0.0.1:2379", "127.0.0.1:2379", "http://127.0.0.1:2379/v3"]) {
      expect(() => new EtcdStore({ url: bad })).toThrow(StoreConfigurationError);
    }
    expect(() => new EtcdStore({ url, timeoutMs: 0 })).toThrow(StoreConfigurationError);
    expect(() => new EtcdStore({ url, pageSize: 0 })).toThrow(StoreConfigurationError);
    expect(() => new EtcdStore({ url, maxTxnOps: 1.5 })).toThrow(StoreConfigurationError);
  });

  it("fails with a transient StoreConnectionError, with the client's error as cause, when no server answers", async () => {
    const port = await freeLoopbackPort();
    const s = new EtcdStore({ url: `http://127.0.0.1:${port}`, timeoutMs: 1000 });
    for (let attempt = 0; attempt < 4; attempt++) {
      const error = await s.get("k").catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StoreConnectionError);
      expect(error).toMatchObject({ transient: true, operation: "get", key: "k" });
      expect((error as Error).cause).toBeInstanceOf(Error);
    }
    await s.close();
  });

  it("fails with StoreConnectionError after timeoutMs when a server accepts connections but never answers", async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    const s = new EtcdStore({ url: `http://127.0.0.1:${port}`, timeoutMs: 300 });
    try {
      const error = await s.put("k", { n: 1 }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StoreConnectionError);
      expect((error as Error).cause?.constructor.name).toBe("GRPCDeadlineExceededError");
    } finally {
      await s.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it("closes a client it made, and leaves a borrowed one open", async () => {
    const owned = ownStore(namespace);
    await owned.close();
    await expect(owned.get("k")).rejects.toThrow(StoreClosedError);
    const borrowed = new EtcdStore({ client, namespace });
    await borrowed.put("k", { n: 1 });
    await borrowed.close();
    expect(await client.get(`${namespace}/default_collection/k`).string()).toContain('"n":1');
  });
});
