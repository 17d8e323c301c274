export { ElasticsearchStore } from "./elasticsearch-store.ts";
export { type BulkItemFailure, BulkWriteError, type BulkWriteErrorFields } from "./errors.ts";
export type {
  ElasticsearchStoreClientOptions,
  ElasticsearchStoreOptions,
  ElasticsearchStoreUrlOptions,
} from "./options.ts";
