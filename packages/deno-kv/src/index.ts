export { DenoKvStore, type DenoKvStoreOptions } from "./deno-kv-store.ts";
