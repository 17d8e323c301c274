export type { EntryMetadata, KvListedKey, KvNamespaceBinding } from "./binding.ts";
export {
  CloudflareKvStore,
  type CloudflareKvStoreOptions,
  minimumKvTtlSeconds,
} from "./cloudflare-kv-store.ts";
