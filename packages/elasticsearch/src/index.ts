export {
  ElasticsearchStore,
  type ElasticsearchStoreClientOptions,
  type ElasticsearchStoreOptions,
  type ElasticsearchStoreUrlOptions,
} from "./elasticsearch-store.ts";
export { type BulkItemFailure, BulkWriteError } from "./errors.ts";
