/** A part of a Deno KV key. */
export type KvKeyPart = string | number | bigint | boolean | Uint8Array;
/** A Deno KV key. */
export type KvKey = readonly KvKeyPart[];

/** One entry as Deno KV reads it (`value` and `versionstamp` are null when the key is absent). */
export interface KvEntryMaybe<T> {
  key: KvKey;
  value: T | null;
  versionstamp: string | null;
}

/** A Deno KV atomic operation: checks, then mutations, committed together or not at all. */
export interface KvAtomic {
  check(...checks: { key: KvKey; versionstamp: string | null }[]): KvAtomic;
  set(key: KvKey, value: unknown, options?: { expireIn?: number }): KvAtomic;
  delete(key: KvKey): KvAtomic;
  commit(): Promise<{ ok: boolean }>;
}

/** The part of `Deno.Kv` this package uses. */
export interface Kv {
  get<T>(key: KvKey): Promise<KvEntryMaybe<T>>;
  getMany<T>(keys: readonly KvKey[]): Promise<KvEntryMaybe<T>[]>;
  list<T>(
    selector: { prefix: KvKey },
    options?: { batchSize?: number },
  ): AsyncIterable<{
    key: KvKey;
    value: T;
    versionstamp: string;
  }>;
  atomic(): KvAtomic;
  close(): void;
}

/**
 * `Deno.openKv`, from the global `Deno`.
 * @throws Error outside Deno, or on a Deno without KV (it needs `--unstable-kv`)
 */
export function openKv(path: string | undefined): Promise<Kv> {
  const deno = (globalThis as { Deno?: { openKv?: (path?: string) => Promise<Kv> } }).Deno;
  if (typeof deno?.openKv !== "function") {
    throw new Error("DenoKvStore needs Deno with KV enabled (run deno with --unstable-kv)");
  }
  return deno.openKv(path);
}
