import {
  ATOMIC_CAPABILITIES,
  type AtomicCapability,
  type CounterChange,
  type ErrorContext,
  IncrementBatcher,
  isExpired,
  type KeyValueError,
  type ManagedEntry,
  type ReadBatcher,
  type StoreClass,
  storeWith,
} from "@kv/protocol";
import type { Etcd3, IKeyValue } from "etcd3";
import { commitIncrements, KeyEntry, type Target } from "./conditional.ts";
import { entryOf, putRequest, withLease } from "./entries.ts";
import { toKeyValueError } from "./errors.ts";
import { Layout } from "./layout.ts";
import { Leases } from "./leases.ts";
import { Listing } from "./listing.ts";
import { type EtcdStoreOptions, ownedClient, storeSettings } from "./options.ts";
import {
  deleteKeys,
  deletePrefix,
  type RequestLimits,
  readKey,
  readKeys,
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
  private readonly listing: Listing;
  private readonly ownsClient: boolean;
  private readonly limits: RequestLimits;
  private readonly counters = new IncrementBatcher((collection, key, changes) =>
    commitIncrements(this.target(collection, key), changes),
  );
  /** Gets made in one turn of the event loop, read together in one transaction. */
  private readonly reads: ReadBatcher<Buffer, IKeyValue | undefined>;

  /**
   * @throws StoreConfigurationError when the namespace, a URL, `timeoutMs`, `pageSize`,
   * `maxRequestBytes` or `maxTxnOps` is not acceptable
   * @throws InvalidKeyError when `defaultCollection` is not a valid collection name
   */
  constructor(options: EtcdStoreOptions) {
    super(options);
    const { namespace, pageSize, limits } = storeSettings(options);
    this.namespace = namespace;
    this.layout = new Layout(namespace);
    this.limits = limits;
    this.ownsClient = !("client" in options);
    this.client = "client" in options ? options.client : ownedClient(options);
    this.leases = new Leases(this.client, this.clock);
    const { client, clock, layout } = this;
    this.listing = new Listing({ client, clock, layout, pageSize, limits });
    this.reads = this.batchReads(
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
    const etcdKeys = keys.map((key) => this.etcdKey(collection, key));
    const removed = await deleteKeys(this.client, etcdKeys, this.limits);
    const now = this.clock.now();
    return removed.filter((kv) => !isExpired(entryOf(kv), now)).length;
  }

  /** Live keys of a collection, a page of keys per range request. */
  protected enumerateKeys(collection: string): AsyncGenerator<string> {
    return this.listing.keys(collection);
  }

  /** Collections holding a live entry, one range request per collection to find the next. */
  protected enumerateCollections(): AsyncGenerator<string> {
    return this.listing.collections();
  }

  /** Deletes every key of the collection in one range delete; `true` when it held any. */
  protected async dropCollection(collection: string): Promise<boolean> {
    return this.dropPrefix(this.layout.collectionPrefix(collection));
  }

  /** Deletes every key of the namespace in one range delete; `true` when it held any. */
  protected dropAll(): Promise<boolean> {
    return this.dropPrefix(this.layout.prefix);
  }

  /** Closes the client when the store made it; a borrowed client stays open. */
  protected async release(): Promise<void> {
    this.leases.clear();
    if (this.ownsClient) this.client.close();
  }

  protected atomicEntry(collection: string, key: string): KeyEntry {
    return new KeyEntry(this.target(collection, key));
  }

  protected addToCounter(collection: string, key: string, change: CounterChange): Promise<number> {
    return this.counters.add(collection, key, change);
  }

  private dropPrefix(prefix: string): Promise<boolean> {
    return deletePrefix(this.client, Buffer.from(prefix, "utf8"));
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
