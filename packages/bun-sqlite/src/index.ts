export { BunSqliteStore, type BunSqliteStoreOptions } from "./bun-sqlite-store.ts";
