import {
  ATOMIC_CAPABILITIES,
  type AtomicCapability,
  type CounterChange,
  type ErrorContext,
  IncrementBatcher,
  isExpired,
  type KeyValueError,
  type ManagedEntry,
  ReadBatcher,
  type StoreClass,
  type StoredVersion,
  storeWith,
} from "@kv/protocol";
import type { Etcd3, IKeyValue } from "etcd3";
import {
  commitIncrements,
  insertIfAbsent,
  removeAt,
  replaceAt,
  type Target,
  touchLive,
} from "./conditional.ts";
import { entryOf, putRequest, revisionOf, versionOf, withLease } from "./entries.ts";
import { toKeyValueError } from "./errors.ts";
import { Layout, prefixEnd } from "./layout.ts";
import { Leases } from "./leases.ts";
import {
  DEFAULT_MAX_REQUEST_BYTES,
  DEFAULT_MAX_TXN_OPS,
  type EtcdStoreOptions,
  integerOption,
  ownedClient,
} from "./options.ts";
import {
  chunks,
  deleteKeys,
  type RequestLimits,
  readKey,
  readKeys,
  scanKeys,
  writeKeys,
} from "./requests.ts";

const capabilities = [
  "keys",
  "collections",
  "destroyCollection",
  "destroy",
  "close",
  "entries",
] as const;
const EtcdBase: StoreClass<(typeof capabilities)[number] | AtomicCapability> = storeWith(
  ...capabilities,
  ...ATOMIC_CAPABILITIES,
);

/**
 * A store on etcd v3: one etcd key per entry, `<namespace>/<collection>/<key>`, holding
 * py-key-value's entry document. Entries that expire carry a lease shared with entries expiring
 * close to them, so etcd deletes them itself (reads never return an expired entry in between);
 * bulk calls, and the gets made in one turn of the event loop, are transactions of up to
 * `maxTxnOps` operations; the atomic operations are transactions comparing the key's
 * `mod_revision`.
 */
export class EtcdStore extends EtcdBase {
  /** The client the store sends its requests with. */
  readonly client: Etcd3;
  /** The first part of every etcd key of the store. */
  readonly namespace: string;
  private readonly layout: Layout;
  private readonly leases: Leases;
  private readonly ownsClient: boolean;
  private readonly pageSize: number;
  private readonly limits: RequestLimits;
  private readonly counters = new IncrementBatcher((collection, key, changes) => {
    this.reads.flush();
    return commitIncrements(this.target(collection, key), changes);
  });
  /** Gets made in one turn of the event loop, read together in one transaction. */
  private readonly reads: ReadBatcher<Buffer, IKeyValue | undefined>;

  /**
   * @throws StoreConfigurationError when the namespace, a URL, `timeoutMs`, `pageSize`,
   * `maxRequestBytes` or `maxTxnOps` is not acceptable
   * @throws InvalidKeyError when `defaultCollection` is not a valid collection name
   */
  constructor(options: EtcdStoreOptions) {
    super(options);
    this.namespace = options.namespace ?? "kv";
    this.layout = new Layout(this.namespace);
    this.pageSize = integerOption("pageSize", options.pageSize, 1000, 1, 100_000);
    this.limits = {
      maxRequestBytes: integerOption(
        "maxRequestBytes",
        options.maxRequestBytes,
        DEFAULT_MAX_REQUEST_BYTES,
        1024,
        2 ** 31 - 1,
      ),
      maxTxnOps: integerOption("maxTxnOps", options.maxTxnOps, DEFAULT_MAX_TXN_OPS, 1, 100_000),
    };
    this.ownsClient = !("client" in options);
    this.client = "client" in options ? options.client : ownedClient(options);
    this.leases = new Leases(this.client, this.clock);
    this.reads = new ReadBatcher(
      (key) => readKey(this.client, key),
      (keys) => readKeys(this.client, keys, this.limits),
    );
  }

  protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
    return toKeyValueError(error, context, this.limits.maxRequestBytes);
  }

  protected async getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    const kv = await this.reads.read(this.etcdKey(collection, key));
    return kv === undefined ? undefined : entryOf(kv);
  }

  protected override async getEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<(ManagedEntry | undefined)[]> {
    const etcdKeys = keys.map((key) => this.etcdKey(collection, key));
    const kvs = await readKeys(this.client, etcdKeys, this.limits);
    return kvs.map((kv) => (kv === undefined ? undefined : entryOf(kv)));
  }

  protected putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
    return this.putEntries(collection, [[key, entry]]);
  }

  protected override async putEntries(
    collection: string,
    entries: readonly (readonly [string, ManagedEntry])[],
  ): Promise<void> {
    this.reads.flush();
    const puts = entries.map(([key, entry]) => {
      const location = { collection, key, etcdKey: this.etcdKey(collection, key) };
      return putRequest(location, entry, this.limits.maxRequestBytes);
    });
    const expiries = entries.map(([, entry]) => entry.expiresAt);
    await this.leases.withLeases(expiries, (leaseOf) => {
      const leased = puts.map((put, index) => withLease(put, expiries[index], leaseOf));
      return writeKeys(this.client, leased, this.limits);
    });
  }

  protected async deleteEntry(collection: string, key: string): Promise<boolean> {
    return (await this.deleteEntries(collection, [key])) === 1;
  }

  protected override async deleteEntries(
    collection: string,
    keys: readonly string[],
  ): Promise<number> {
    this.reads.flush();
    const etcdKeys = keys.map((key) => this.etcdKey(collection, key));
    const removed = await deleteKeys(this.client, etcdKeys, this.limits);
    const now = this.clock.now();
    return removed.filter((kv) => !isExpired(entryOf(kv), now)).length;
  }

  /** Live keys of a collection, a page of keys per range request. */
  protected async *enumerateKeys(collection: string): AsyncGenerator<string> {
    const prefix = Buffer.from(this.layout.collectionPrefix(collection), "utf8");
    for await (const kv of this.liveKeyValues(prefix)) {
      yield kv.key.subarray(prefix.length).toString("utf8");
    }
  }

  /**
   * Collections holding a live entry: one range request (limit 1, no value) finds the first key
   * of the next collection, then the listing jumps past that collection's keys. A collection
   * whose first key has a lease is scanned until a live entry turns up.
   */
  protected async *enumerateCollections(): AsyncGenerator<string> {
    let from = Buffer.from(this.layout.prefix, "utf8");
    const end = prefixEnd(from);
    for (;;) {
      const first = (
        await this.client.kv.range({ key: from, range_end: end, limit: 1, keys_only: true })
      ).kvs[0];
      if (first === undefined) return;
      const found = this.layout.locate(first.key.toString("utf8"));
      if (found === undefined) {
        from = Buffer.concat([first.key, Buffer.from([0])]);
        continue;
      }
      if (first.lease === "0" || (await this.holdsLiveKey(found.prefix))) yield found.collection;
      from = Buffer.from(found.after, "utf8");
    }
  }

  /** Deletes every key of the collection in one range delete; `true` when it held any. */
  protected async dropCollection(collection: string): Promise<boolean> {
    return this.deletePrefix(this.layout.collectionPrefix(collection));
  }

  /** Deletes every key of the namespace in one range delete; `true` when it held any. */
  protected dropAll(): Promise<boolean> {
    return this.deletePrefix(this.layout.prefix);
  }

  /** Closes the client when the store made it; a borrowed client stays open. */
  protected async release(): Promise<void> {
    this.leases.clear();
    if (this.ownsClient) this.client.close();
  }

  protected insertEntry(collection: string, key: string, entry: ManagedEntry): Promise<boolean> {
    this.reads.flush();
    return insertIfAbsent(this.target(collection, key), entry);
  }

  protected async readVersioned(
    collection: string,
    key: string,
  ): Promise<StoredVersion | undefined> {
    const kv = await readKey(this.client, this.etcdKey(collection, key));
    if (kv === undefined) return undefined;
    const entry = entryOf(kv);
    return { entry, version: versionOf(kv, entry) };
  }

  protected async replaceVersioned(
    collection: string,
    key: string,
    entry: ManagedEntry,
    version: string,
  ): Promise<boolean> {
    this.reads.flush();
    const revision = revisionOf(version, this.clock.now());
    return revision !== undefined && replaceAt(this.target(collection, key), entry, revision);
  }

  protected async removeVersioned(
    collection: string,
    key: string,
    version: string,
  ): Promise<boolean> {
    this.reads.flush();
    const revision = revisionOf(version, this.clock.now());
    return revision !== undefined && removeAt(this.target(collection, key), revision);
  }

  protected addToCounter(collection: string, key: string, change: CounterChange): Promise<number> {
    return this.counters.add(collection, key, change);
  }

  protected touchEntry(
    collection: string,
    key: string,
    expiresAt: number | undefined,
  ): Promise<boolean> {
    this.reads.flush();
    return touchLive(this.target(collection, key), expiresAt);
  }

  /**
   * The live key-values under a prefix, in key order: pages of keys without values; a key
   * without a lease never expires (the store gives every expiring entry one), and the values of
   * leased keys are read, `maxTxnOps` at a time, to check their expiry.
   */
  private async *liveKeyValues(prefix: Buffer): AsyncGenerator<IKeyValue> {
    for await (const page of scanKeys(this.client, prefix, prefixEnd(prefix), this.pageSize)) {
      const leased = page.filter((kv) => kv.lease !== "0");
      const expired = new Set<string>();
      for (const group of chunks(leased, this.limits.maxTxnOps)) {
        const stored = await readKeys(
          this.client,
          group.map((kv) => kv.key),
          this.limits,
        );
        const now = this.clock.now();
        for (const [index, kv] of stored.entries()) {
          if (kv === undefined || isExpired(entryOf(kv), now)) {
            expired.add((group[index] as IKeyValue).key.toString("latin1"));
          }
        }
      }
      for (const kv of page) if (!expired.has(kv.key.toString("latin1"))) yield kv;
    }
  }

  private async holdsLiveKey(prefix: string): Promise<boolean> {
    for await (const _ of this.liveKeyValues(Buffer.from(prefix, "utf8"))) return true;
    return false;
  }

  private async deletePrefix(prefix: string): Promise<boolean> {
    this.reads.flush();
    const key = Buffer.from(prefix, "utf8");
    const response = await this.client.kv.deleteRange({ key, range_end: prefixEnd(key) });
    return response.deleted !== "0";
  }

  private etcdKey(collection: string, key: string): Buffer {
    return Buffer.from(this.layout.key(collection, key), "utf8");
  }

  private target(collection: string, key: string): Target {
    const { client, leases, clock } = this;
    const { maxRequestBytes } = this.limits;
    const etcdKey = this.etcdKey(collection, key);
    return { client, leases, clock, maxRequestBytes, collection, key, etcdKey };
  }
}
