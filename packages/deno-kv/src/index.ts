export { DenoKvStore } from "./deno-kv-store.ts";
export type { DenoKvStoreOptions } from "./options.ts";
