import type { Clock } from "@kv/protocol";
import type { Etcd3 } from "etcd3";

/** The shortest span of expiry times that share one lease, in ms. */
const MIN_WIDTH_MS = 1000;
/** A lease is shared by expiries within 1/16 of their TTL (rounded down to a power of two). */
const WIDTH_DIVISOR = 16;
/** Seconds a lease outlives the last expiry it covers, for the time a grant takes to arrive. */
const MARGIN_SECONDS = 1;
/** How many leases the cache holds before it forgets the ones whose span has passed. */
const PRUNE_AT = 256;

/** Which lease each expiry time goes with (`undefined`: no expiry, no lease). */
export type LeaseOf = (expiresAt: number | undefined) => string | undefined;

/**
 * The etcd leases that make entries expire on the server, shared: entries whose expiries fall
 * in the same span go with one lease, which ends at the end of that span (plus a second). A span
 * is 1/16 of the entry's TTL rounded down to a power of two seconds, at least one second, so a
 * steady stream of writes with one TTL keeps about 17 leases alive and grants about one lease
 * per span, instead of one per write. etcd deletes an entry at most one span (and etcd's own
 * minimum TTL of about 2 s) after it expired; reads never return it in between.
 */
export class Leases {
  readonly #client: Etcd3;
  readonly #clock: Clock;
  /** Granted (or being granted) leases by the end of their span, epoch ms. */
  readonly #byEnd = new Map<number, Promise<string>>();

  constructor(client: Etcd3, clock: Clock) {
    this.#client = client;
    this.#clock = clock;
  }

  /**
   * Runs `write` with the lease of each expiry it will write. When etcd says a lease is gone
   * (revoked, or lost with the server's data), the leases are granted again and `write` runs once
   * more.
   * @throws what granting a lease or `write` throws
   */
  async withLeases<T>(
    expiries: Iterable<number | undefined>,
    write: (leaseOf: LeaseOf) => Promise<T>,
  ): Promise<T> {
    const ends = new Map<number, number>();
    const now = this.#clock.now();
    for (const expiresAt of expiries) {
      if (expiresAt !== undefined && !ends.has(expiresAt)) {
        ends.set(expiresAt, spanEnd(expiresAt, now));
      }
    }
    if (ends.size === 0) return write(() => undefined);
    for (let attempt = 1; ; attempt++) {
      const byEnd = new Map<number, string>();
      for (const end of new Set(ends.values())) byEnd.set(end, await this.#lease(end, now));
      try {
        return await write((expiresAt) => {
          if (expiresAt === undefined) return undefined;
          return byEnd.get(ends.get(expiresAt) ?? Number.NaN);
        });
      } catch (error) {
        if (attempt > 1 || !isLeaseGone(error)) throw error;
        for (const end of byEnd.keys()) this.#byEnd.delete(end);
      }
    }
  }

  /** Forgets every lease (they expire on the server on their own). */
  clear(): void {
    this.#byEnd.clear();
  }

  #lease(end: number, now: number): Promise<string> {
    const known = this.#byEnd.get(end);
    if (known !== undefined) return known;
    if (this.#byEnd.size >= PRUNE_AT) {
      for (const span of this.#byEnd.keys()) if (span <= now) this.#byEnd.delete(span);
    }
    const ttl = Math.max(Math.ceil((end - now) / 1000), 0) + MARGIN_SECONDS;
    const granted = this.#client.leaseClient
      .leaseGrant({ TTL: ttl, ID: 0 })
      .then((response) => response.ID);
    this.#byEnd.set(end, granted);
    granted.catch(() => {
      if (this.#byEnd.get(end) === granted) this.#byEnd.delete(end);
    });
    return granted;
  }
}

/** The end of the span an expiry falls in: a multiple of the span's width, epoch ms. */
export function spanEnd(expiresAt: number, now: number): number {
  const ttlMs = Math.max(expiresAt - now, 0);
  const steps = Math.floor(Math.log2(ttlMs / WIDTH_DIVISOR / MIN_WIDTH_MS));
  const width = MIN_WIDTH_MS * 2 ** Math.max(0, steps);
  return Math.ceil(expiresAt / width) * width;
}

/** etcd's answer to a write naming a lease it no longer has. */
function isLeaseGone(error: unknown): boolean {
  return error instanceof Error && /requested lease not found/.test(error.message);
}
