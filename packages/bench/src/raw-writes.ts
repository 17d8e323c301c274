import { type Client, type Entry, TTL_SECONDS, type Value } from "./types.ts";

/** Writes one key, with a TTL in seconds when given. */
export type WriteOne = (key: string, value: Value, ttl?: number) => Promise<unknown>;
/** Writes many keys in one call, with a TTL in seconds when given. */
export type WriteMany = (entries: readonly Entry[], ttl?: number) => Promise<unknown>;

/**
 * A raw baseline's four write calls, from its one write and its bulk write that each take an
 * optional TTL: `putTtl` and `putManyTtl` pass `TTL_SECONDS`.
 */
export function writeCalls(
  write: WriteOne,
  writeMany: WriteMany,
): Pick<Client, "put" | "putTtl" | "putMany" | "putManyTtl"> {
  return {
    put: (key, value) => write(key, value),
    putTtl: (key, value) => write(key, value, TTL_SECONDS),
    putMany: (entries) => writeMany(entries),
    putManyTtl: (entries) => writeMany(entries, TTL_SECONDS),
  };
}
