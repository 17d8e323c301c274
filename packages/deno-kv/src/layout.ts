import { DeserializationError, type ManagedEntry, type Value } from "@kv/protocol";
import type { KvKey } from "./deno-api.ts";

/** Characters of value JSON per chunk: a Deno KV value is at most 64 KiB, two bytes a character. */
export const chunkCharacters = 30_000;

/**
 * What the entry key holds: timestamps (epoch ms), the value JSON when it fits in one Deno KV
 * value, else the number of chunks and the generation naming their keys.
 */
export interface Header {
  c: number | null;
  e: number | null;
  v: string | null;
  n: number;
  g: string;
}

/** The keys of one store in one Deno KV database, under its prefix. */
export class Layout {
  private readonly prefix: string;

  constructor(prefix: string) {
    this.prefix = prefix;
  }

  /** Everything the store wrote. */
  all(): KvKey {
    return [this.prefix];
  }

  /** Every entry key, or those of one collection. */
  entries(collection?: string): KvKey {
    return collection === undefined ? [this.prefix, "e"] : [this.prefix, "e", collection];
  }

  /** The chunks of every entry of one collection. */
  chunksOf(collection: string): KvKey {
    return [this.prefix, "c", collection];
  }

  /** The key holding an entry's header. */
  entry(collection: string, key: string): KvKey {
    return [this.prefix, "e", collection, key];
  }

  /** The collection and key of the entry an entry key holds. */
  locate(entryKey: KvKey): { collection: string; key: string } {
    const [, , collection, key] = entryKey;
    return { collection: String(collection), key: String(key) };
  }

  /** Whether a key the store wrote holds an entry's header (not a chunk). */
  isEntry(storedKey: KvKey): boolean {
    return storedKey[1] === "e";
  }

  /** The keys of the chunks a header names. */
  chunks(collection: string, key: string, header: Header): KvKey[] {
    return Array.from({ length: header.n }, (_, index) => [
      this.prefix,
      "c",
      collection,
      key,
      header.g,
      index,
    ]);
  }
}

/** The header and chunks that store an entry. */
export function encode(entry: ManagedEntry): { header: Header; chunks: string[] } {
  const json = JSON.stringify(entry.value);
  const base = { c: entry.createdAt ?? null, e: entry.expiresAt ?? null };
  if (json.length <= chunkCharacters)
    return { header: { ...base, v: json, n: 0, g: "" }, chunks: [] };
  const chunks: string[] = [];
  for (let at = 0; at < json.length; at += chunkCharacters) {
    chunks.push(json.slice(at, at + chunkCharacters));
  }
  const g = globalThis.crypto.randomUUID();
  return { header: { ...base, v: null, n: chunks.length, g }, chunks };
}

/** Whether a header's entry is live at `now`. */
export function isLive(header: Header | null, now: number): header is Header {
  return header !== null && (header.e === null || header.e > now);
}

/**
 * The entry a header and its chunks hold.
 * @throws DeserializationError when the value is not a JSON object
 */
export function decode(
  header: Header,
  chunks: readonly string[],
  collection: string,
  key: string,
): ManagedEntry {
  let value: unknown;
  try {
    value = JSON.parse(header.v ?? chunks.join(""));
  } catch (error) {
    throw new DeserializationError({
      message: "Stored value is not valid JSON",
      cause: error,
      collection,
      key,
    });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new DeserializationError({
      message: "Stored value is not a JSON object",
      collection,
      key,
    });
  }
  return {
    value: value as Value,
    createdAt: header.c ?? undefined,
    expiresAt: header.e ?? undefined,
  };
}
