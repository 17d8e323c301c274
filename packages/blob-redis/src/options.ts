import type { BaseBlobStoreOptions } from "@kv/blob";
import type { Redis } from "ioredis";

/** Options shared by both ways of making a `RedisBlobStore`. */
interface RedisBlobStoreCommonOptions extends BaseBlobStoreOptions {
  /** Redis keys start with `<namespace>:`. @default "blob" */
  namespace?: string | undefined;
  /** Bytes per chunk (4 KiB to 64 MiB). @default 1048576 (1 MiB) */
  chunkBytes?: number | undefined;
  /**
   * The most bytes a blob may have. @default the server's `proto-max-bulk-len` (512 MiB unless
   * configured), read when the store connects; 512 MiB when the server refuses `CONFIG GET`
   */
  maxBytes?: number | undefined;
  /**
   * How long the chunks of a replaced or deleted blob stay for streams already reading them, in
   * ms; a stream slower than that fails with `StoreError`. 0 removes them at once. @default 60000
   */
  readGraceMs?: number | undefined;
  /**
   * The chunks of a streamed write expire this long after its last chunk, so a write whose
   * process died leaves nothing behind. @default 3600000 (1 hour)
   */
  staleWriteMs?: number | undefined;
}

/** A store on a client the caller made; `close()` leaves it open. */
export interface RedisBlobStoreClientOptions extends RedisBlobStoreCommonOptions {
  /** An ioredis `Redis` client (not a `Cluster`), borrowed. It must not set `keyPrefix`. */
  client: Redis;
  /** Not allowed with `client`. */
  url?: undefined;
}

/** A store on a connection it makes from a URL and ends on `close()`. */
export interface RedisBlobStoreUrlOptions extends RedisBlobStoreCommonOptions {
  /** A `redis://` or `rediss://` URL with optional user, password and database (`/9`). */
  url: string;
  /** Not allowed with `url`. */
  client?: undefined;
}

/** Options of `RedisBlobStore`: a `url` to connect to, or a `client` to borrow. */
export type RedisBlobStoreOptions = RedisBlobStoreClientOptions | RedisBlobStoreUrlOptions;

/** The options a store works with, checked and with their defaults. */
export interface RedisBlobSettings {
  namespace: string;
  chunkBytes: number;
  maxBytes: number | undefined;
  readGraceMs: number;
  staleWriteMs: number;
}

/**
 * Checks the options and fills in the defaults.
 * @throws TypeError for neither or both of `url` and `client`, a `Cluster` or a client with a
 * `keyPrefix`; RangeError for a number out of range
 */
export function resolveOptions(options: RedisBlobStoreOptions): RedisBlobSettings {
  if ((options.client === undefined) === (options.url === undefined)) {
    throw new TypeError("RedisBlobStore needs either a `url` or a `client`");
  }
  const client = options.client as
    | { nodes?: unknown; options?: { keyPrefix?: unknown } }
    | undefined;
  if (typeof client?.nodes === "function") {
    throw new TypeError("RedisBlobStore needs a Redis client, not a Cluster");
  }
  if (client?.options?.keyPrefix) {
    throw new TypeError("RedisBlobStore's client must not set keyPrefix (use namespace)");
  }
  if (options.url !== undefined && !/^rediss?:\/\//.test(options.url)) {
    throw new TypeError("RedisBlobStore's url must start with redis:// or rediss://");
  }
  const namespace = options.namespace ?? "blob";
  if (typeof namespace !== "string" || namespace === "") {
    throw new RangeError("namespace must be a non-empty string");
  }
  const chunkBytes = options.chunkBytes ?? 1024 * 1024;
  checkInteger("chunkBytes", chunkBytes, 4096, 64 * 1024 * 1024);
  const maxBytes = options.maxBytes;
  if (maxBytes !== undefined) checkInteger("maxBytes", maxBytes, 0, Number.MAX_SAFE_INTEGER);
  const readGraceMs = options.readGraceMs ?? 60_000;
  checkInteger("readGraceMs", readGraceMs, 0, 2 ** 47);
  const staleWriteMs = options.staleWriteMs ?? 3_600_000;
  checkInteger("staleWriteMs", staleWriteMs, 1, 2 ** 47);
  return { namespace, chunkBytes, maxBytes, readGraceMs, staleWriteMs };
}

function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
}
