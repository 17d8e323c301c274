import { EtcdStore } from "@kv/etcd";
import { Etcd3, type IKeyValue, type IRequestOp } from "etcd3";
import { open, seal } from "../envelope.ts";
import { ownedKvClient } from "../kv-client.ts";
import { writeCalls } from "../raw-writes.ts";
import { type Client, type Entry, type Suite, TTL_SECONDS, type Value } from "../types.ts";
import { serverSuite } from "./servers.ts";

const RAW = "etcd3 (raw)";
/** Every etcd key the bench writes starts with this; cleanup deletes exactly those. */
const PREFIX = "kvbench";
const RAW_PREFIX = `${PREFIX}/raw/`;
/** etcd's default `--max-txn-ops`. */
const MAX_TXN_OPS = 128;

function etcdUrl(): string {
  return process.env.KV_ETCD_URL ?? "http://127.0.0.1:23790";
}

function connect(timeoutMs = 10_000): Etcd3 {
  return new Etcd3({
    hosts: etcdUrl(),
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + timeoutMs }),
  });
}

function key(name: string): Buffer {
  return Buffer.from(RAW_PREFIX + name);
}

/** Transactions of at most `MAX_TXN_OPS` operations, sent together. */
async function transactions(client: Etcd3, ops: readonly IRequestOp[]) {
  const sent = [];
  for (let index = 0; index < ops.length; index += MAX_TXN_OPS) {
    sent.push(client.kv.txn({ success: ops.slice(index, index + MAX_TXN_OPS) }));
  }
  return Promise.all(sent);
}

/** Writes `text` only while the key's `mod_revision` is `revision` ("0": absent); `true` when written. */
async function swap(client: Etcd3, name: string, revision: string, text: string) {
  const response = await client.kv.txn({
    compare: [{ key: key(name), target: "Mod", result: "Equal", mod_revision: revision }],
    success: [{ request_put: { key: key(name), value: Buffer.from(text) } }],
  });
  return response.succeeded;
}

function liveValue(kv: IKeyValue | undefined, now: number): Value | undefined {
  return open(kv?.value.toString(), now);
}

/**
 * The limit: the raw client holding the Map baseline's JSON envelope, `range`/`put`, one
 * read-only transaction of ranges per 128 keys for many reads and one transaction of puts per
 * 128 keys for many writes; TTL writes attach one lease granted when the client opens. Atomic
 * calls are transactions comparing `mod_revision`.
 */
async function rawClient(): Promise<Client> {
  const client = connect();
  const { ID: lease } = await client.leaseClient.leaseGrant({ TTL: TTL_SECONDS + 60 });
  const put = (name: string, value: Value, ttl?: number) =>
    client.kv.put({
      key: key(name),
      value: Buffer.from(seal(value, Date.now(), ttl)),
      ...(ttl === undefined ? {} : { lease }),
    });
  const putMany = async (entries: readonly Entry[], ttl?: number) => {
    const now = Date.now();
    const puts = entries.map(([name, value]) => ({
      request_put: {
        key: key(name),
        value: Buffer.from(seal(value, now, ttl)),
        ...(ttl === undefined ? {} : { lease }),
      },
    }));
    await transactions(client, puts);
  };
  const read = async (name: string) => (await client.kv.range({ key: key(name) })).kvs[0];
  return {
    get: async (name) => liveValue(await read(name), Date.now()),
    getMany: async (names) => {
      const ranges = names.map((name) => ({ request_range: { key: key(name) } }));
      const responses = await transactions(client, ranges);
      const now = Date.now();
      return responses.flatMap((response) =>
        response.responses.map((op) => liveValue(op.response_range.kvs[0], now)),
      );
    },
    ...writeCalls(put, putMany),
    close: async () => {
      await client.leaseClient.leaseRevoke({ ID: lease }).catch(() => undefined);
      client.close();
    },
    atomic: {
      putIfAbsent: (name, value) => swap(client, name, "0", seal(value, Date.now())),
      increment: async (name) => {
        for (;;) {
          const kv = await read(name);
          const count = Number(liveValue(kv, Date.now())?.count ?? 0) + 1;
          const text = seal({ count }, Date.now());
          if (await swap(client, name, kv?.mod_revision ?? "0", text)) return count;
        }
      },
      compareAndSet: async (name, value) => {
        const kv = await read(name);
        return kv !== undefined && swap(client, name, kv.mod_revision, seal(value, Date.now()));
      },
      deleteMany: (names) =>
        transactions(
          client,
          names.map((name) => ({ request_delete_range: { key: key(name) } })),
        ),
    },
  };
}

async function deleteOwnKeys(): Promise<void> {
  const client = connect();
  try {
    await client.delete().prefix(`${PREFIX}/`);
  } finally {
    client.close();
  }
}

/** etcd stores against the raw etcd3 client, under a key prefix of the bench's own. */
export function etcdSuite(): Suite {
  return serverSuite({
    id: "etcd",
    title: "etcd",
    server: { name: "etcd", url: etcdUrl(), service: "etcd" },
    answer: deleteOwnKeys,
    version: async () => {
      const response = await fetch(`${etcdUrl()}/version`, { signal: AbortSignal.timeout(2000) });
      const { etcdserver } = (await response.json()) as { etcdserver?: string };
      return etcdserver ?? "unknown";
    },
    cleanup: deleteOwnKeys,
    raw: {
      name: RAW,
      description:
        "range/put, a transaction of ranges or puts per 128 keys, one lease for every TTL write, mod_revision compares; same JSON envelope as the Map baseline",
      packages: ["etcd3"],
      open: rawClient,
    },
    store: {
      name: "@kv/etcd",
      description:
        "EtcdStore({ url, namespace }) with its defaults: leases shared by expiries close together",
      packages: ["@kv/etcd", "etcd3"],
      open: async () =>
        ownedKvClient(
          new EtcdStore({ url: etcdUrl(), namespace: PREFIX, defaultCollection: "kv" }),
        ),
    },
  });
}
