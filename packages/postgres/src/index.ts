export type {
  PostgresStoreClientOptions,
  PostgresStoreCommonOptions,
  PostgresStoreOptions,
  PostgresStoreUrlOptions,
} from "./client.ts";
export { PostgresStore } from "./postgres-store.ts";
