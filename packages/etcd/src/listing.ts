import { type Clock, isExpired } from "@kv/protocol";
import type { Etcd3, IKeyValue } from "etcd3";
import { entryOf } from "./entries.ts";
import { type Layout, prefixEnd } from "./layout.ts";
import { chunks, type RequestLimits, readKeys, scanKeys } from "./requests.ts";

/** What listing a store's keys and collections needs. */
export interface ListingAccess {
  client: Etcd3;
  clock: Clock;
  layout: Layout;
  /** Keys per range request. */
  pageSize: number;
  limits: RequestLimits;
}

/**
 * Lists the live keys and collections of a store's layout. Keys without a lease never expire (the
 * store gives every expiring entry one); the values of leased keys are read to check their
 * expiry, since etcd deletes an expired entry only when its lease ends.
 */
export class Listing {
  readonly #access: ListingAccess;

  constructor(access: ListingAccess) {
    this.#access = access;
  }

  /** The live keys of a collection, in key order, a page of keys per range request. */
  async *keys(collection: string): AsyncGenerator<string> {
    const prefix = Buffer.from(this.#access.layout.collectionPrefix(collection), "utf8");
    for await (const kv of this.#liveKeyValues(prefix)) {
      yield kv.key.subarray(prefix.length).toString("utf8");
    }
  }

  /**
   * Collections holding a live entry: one range request (limit 1, no value) finds the first key
   * of the next collection, then the listing jumps past that collection's keys. A collection
   * whose first key has a lease is scanned until a live entry turns up.
   */
  async *collections(): AsyncGenerator<string> {
    const { client, layout } = this.#access;
    let from = Buffer.from(layout.prefix, "utf8");
    const end = prefixEnd(from);
    for (;;) {
      const first = (
        await client.kv.range({ key: from, range_end: end, limit: 1, keys_only: true })
      ).kvs[0];
      if (first === undefined) return;
      const found = layout.locate(first.key.toString("utf8"));
      if (found === undefined) {
        from = Buffer.concat([first.key, Buffer.from([0])]);
        continue;
      }
      if (first.lease === "0" || (await this.#holdsLiveKey(found.prefix))) yield found.collection;
      from = Buffer.from(found.after, "utf8");
    }
  }

  /**
   * The live key-values under a prefix, in key order: pages of keys without values, and the
   * values of leased keys read, `maxTxnOps` at a time, to check their expiry.
   */
  async *#liveKeyValues(prefix: Buffer): AsyncGenerator<IKeyValue> {
    const { client, clock, pageSize, limits } = this.#access;
    for await (const page of scanKeys(client, prefix, prefixEnd(prefix), pageSize)) {
      const leased = page.filter((kv) => kv.lease !== "0");
      const expired = new Set<string>();
      for (const group of chunks(leased, limits.maxTxnOps)) {
        const stored = await readKeys(
          client,
          group.map((kv) => kv.key),
          limits,
        );
        const now = clock.now();
        for (const [index, kv] of stored.entries()) {
          if (kv === undefined || isExpired(entryOf(kv), now)) {
            expired.add((group[index] as IKeyValue).key.toString("latin1"));
          }
        }
      }
      for (const kv of page) if (!expired.has(kv.key.toString("latin1"))) yield kv;
    }
  }

  async #holdsLiveKey(prefix: string): Promise<boolean> {
    for await (const _ of this.#liveKeyValues(Buffer.from(prefix, "utf8"))) return true;
    return false;
  }
}
