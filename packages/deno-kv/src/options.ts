import type { BaseStoreOptions } from "@kv/protocol";

/** Options of `DenoKvStore`. */
export interface DenoKvStoreOptions extends BaseStoreOptions {
  /** The database file, `":memory:"`, or `undefined` for Deno's default database of the script. */
  path?: string | undefined;
  /** The first part of every Deno KV key the store writes, so stores can share a database. @default "kv" */
  prefix?: string | undefined;
  /** How long a call retries while another handle on the same file holds its lock, in ms. @default 5000 */
  busyTimeoutMs?: number | undefined;
}

/** `DenoKvStore`'s options, checked and with their defaults. */
export interface ResolvedDenoKvOptions {
  path: string | undefined;
  prefix: string;
  busyTimeoutMs: number;
}

/**
 * The path, key prefix and busy timeout of `DenoKvStore`'s options, checked, defaults applied.
 * @throws TypeError when `path` or `prefix` is not a non-empty string; RangeError for a bad `busyTimeoutMs`
 */
export function resolveDenoKvOptions(options: DenoKvStoreOptions): ResolvedDenoKvOptions {
  const { path } = options;
  if (path !== undefined && (typeof path !== "string" || path === "")) {
    throw new TypeError("path must be a non-empty string");
  }
  const prefix = options.prefix ?? "kv";
  if (typeof prefix !== "string" || prefix === "") {
    throw new TypeError("prefix must be a non-empty string");
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new RangeError(`busyTimeoutMs must be an integer of 0 or more, got ${busyTimeoutMs}`);
  }
  return { path, prefix, busyTimeoutMs };
}
