/** What the store reads from a KV key's metadata. */
export interface EntryMetadata {
  /** When the entry expires (epoch ms), kept exactly; KV's own expiry may come later. */
  expiresAt?: number;
}

/** One key of a `list()` page. */
export interface KvListedKey {
  name: string;
  expiration?: number;
  metadata?: unknown;
}

/**
 * The part of a Workers KV namespace binding (`env.MY_KV`, a `KVNamespace`) the store uses;
 * the binding itself satisfies it, so no Cloudflare types are needed.
 */
export interface KvNamespaceBinding {
  get(key: string, options: { type: "text" }): Promise<string | null>;
  put(
    key: string,
    value: string,
    options?: { expirationTtl?: number; metadata?: EntryMetadata },
  ): Promise<void>;
  delete(key: string): Promise<void>;
  list(options?: { prefix?: string; cursor?: string; limit?: number }): Promise<{
    keys: KvListedKey[];
    list_complete: boolean;
    cursor?: string;
  }>;
}
