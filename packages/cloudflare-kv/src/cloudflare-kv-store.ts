import {
  type BaseStoreOptions,
  deserializeEntry,
  ENUMERATION_CAPABILITIES,
  type EnumerationCapability,
  type ErrorContext,
  isExpired,
  type KeyValueError,
  type ManagedEntry,
  type StoreClass,
  StoreConnectionError,
  serializeEntry,
  storeWith,
  toStoreError,
} from "@kv/protocol";
import type { EntryMetadata, KvListedKey, KvNamespaceBinding } from "./binding.ts";
import { KvLayout } from "./layout.ts";

/** How a `CloudflareKvStore` is opened. */
export interface CloudflareKvStoreOptions extends BaseStoreOptions {
  /** The Workers KV namespace binding (`env.MY_KV`). */
  namespace: KvNamespaceBinding;
  /** The start of every KV key this store writes, to share a namespace. Default `""`. */
  prefix?: string | undefined;
}

/** Workers KV expires keys no sooner than 60 seconds after a write. */
export const minimumKvTtlSeconds = 60;

/** KV keeps expiry times as 32-bit epoch seconds; an entry living past this gets no KV expiry. */
const latestKvExpiration = 2 ** 31 - 1;

const Base: StoreClass<EnumerationCapability> = storeWith(...ENUMERATION_CAPABILITIES);

/**
 * A store over a Cloudflare Workers KV namespace binding. Each entry is one KV key holding
 * py-key-value's JSON document, with its exact expiry in the key's metadata. KV expires keys
 * no sooner than 60 s after a write, so a shorter TTL is kept in the entry (reads and listings
 * filter it) and KV's `expirationTtl` is `max(60, ttl)`; an expiry past KV's 32-bit range (2038)
 * is kept in the entry only. KV is eventually consistent: a write may
 * take up to 60 s to be seen from other locations, and lists lag behind writes.
 */
export class CloudflareKvStore extends Base {
  private readonly kv: KvNamespaceBinding;
  private readonly layout: KvLayout;

  /** @throws InvalidKeyError when `defaultCollection` is not a valid collection name */
  constructor(options: CloudflareKvStoreOptions) {
    super(options);
    this.kv = options.namespace;
    this.layout = new KvLayout(options.prefix ?? "");
  }

  protected async getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    const json = await this.kv.get(await this.layout.name(collection, key), { type: "text" });
    return json === null ? undefined : deserializeEntry(json);
  }

  protected async putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
    const options: { expirationTtl?: number; metadata: EntryMetadata } = { metadata: {} };
    if (entry.expiresAt !== undefined) {
      options.metadata.expiresAt = entry.expiresAt;
      const seconds = Math.ceil((entry.expiresAt - this.clock.now()) / 1000);
      const expirationTtl = Math.max(minimumKvTtlSeconds, seconds);
      if (Date.now() / 1000 + expirationTtl <= latestKvExpiration) {
        options.expirationTtl = expirationTtl;
      }
    }
    const name = await this.layout.name(collection, key);
    await this.kv.put(name, serializeEntry(entry, { collection, key }), options);
  }

  protected async deleteEntry(collection: string, key: string): Promise<boolean> {
    const name = await this.layout.name(collection, key);
    const json = await this.kv.get(name, { type: "text" });
    if (json === null) return false;
    await this.kv.delete(name);
    return !isExpired(deserializeEntry(json), this.clock.now());
  }

  protected async *enumerateKeys(collection: string): AsyncIterable<string> {
    const start = await this.layout.collectionPrefix(collection);
    for await (const listed of this.listLive(start)) {
      yield this.layout.literalKey(listed.name, start) ?? (await this.realNames(listed.name)).key;
    }
  }

  protected async *enumerateCollections(): AsyncIterable<string> {
    const seen = new Set<string>();
    for await (const listed of this.listAll(this.layout.prefix)) {
      const collection =
        this.layout.literalCollection(listed.name) ??
        (await this.realNames(listed.name)).collection;
      if (!seen.has(collection)) {
        seen.add(collection);
        yield collection;
      }
    }
  }

  protected async dropCollection(collection: string): Promise<boolean> {
    return this.deleteListed(this.listAll(await this.layout.collectionPrefix(collection)));
  }

  protected async dropAll(): Promise<boolean> {
    return this.deleteListed(this.listAll(this.layout.prefix));
  }

  protected async removeExpired(): Promise<void> {
    const now = this.clock.now();
    for await (const listed of this.listAll(this.layout.prefix)) {
      const expiresAt = (listed.metadata as EntryMetadata | undefined)?.expiresAt;
      if (expiresAt !== undefined && expiresAt <= now) await this.kv.delete(listed.name);
    }
  }

  protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
    if (isTransientKvFailure(error)) {
      return new StoreConnectionError({ ...context, cause: error, message: String(error) });
    }
    return toStoreError(error, context);
  }

  private async *listAll(prefix: string): AsyncIterable<KvListedKey> {
    let cursor: string | undefined;
    do {
      const page = await this.kv.list(cursor === undefined ? { prefix } : { prefix, cursor });
      yield* page.keys;
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor !== undefined);
  }

  private async *listLive(prefix: string): AsyncIterable<KvListedKey> {
    for await (const listed of this.listAll(prefix)) {
      const expiresAt = (listed.metadata as EntryMetadata | undefined)?.expiresAt;
      if (expiresAt === undefined || expiresAt > this.clock.now()) yield listed;
    }
  }

  private async deleteListed(listed: AsyncIterable<KvListedKey>): Promise<boolean> {
    const names: string[] = [];
    for await (const each of listed) names.push(each.name);
    for (const name of names) await this.kv.delete(name);
    return names.length > 0;
  }

  /** The collection and key of an entry stored under a digest, read from its document. */
  private async realNames(name: string): Promise<{ collection: string; key: string }> {
    const json = await this.kv.get(name, { type: "text" });
    const document = JSON.parse(json ?? "{}") as { collection?: unknown; key?: unknown };
    if (typeof document.collection !== "string" || typeof document.key !== "string") {
      throw new Error(`The entry under ${name} does not name its collection and key`);
    }
    return { collection: document.collection, key: document.key };
  }
}

/** KV's rate limit (429) and server errors (5xx) pass; anything else fails the same again. */
function isTransientKvFailure(error: unknown): boolean {
  return /\b(429|5\d\d)\b|too many requests|network connection lost/i.test(String(error));
}
