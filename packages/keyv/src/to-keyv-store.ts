import type { KeyValue } from "@kv/protocol";
import { KeyvAdapter, type KeyvAdapterOptions } from "./keyv-adapter.ts";

/**
 * Any `KeyValue` (a store or a stack of wrappers) as a Keyv storage adapter:
 * `new Keyv({ store: toKeyvStore(store, { collection: "cache" }) })`.
 * @throws InvalidKeyError when `collection` is not a valid collection name
 */
export function toKeyvStore(store: KeyValue, options: KeyvAdapterOptions = {}): KeyvAdapter {
  return new KeyvAdapter(store, options);
}
