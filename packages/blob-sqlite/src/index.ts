export type {
  SqliteBlobStoreClientOptions,
  SqliteBlobStoreOptions,
  SqliteBlobStorePathOptions,
  SqliteSynchronous,
} from "./options.ts";
export { SqliteBlobStore } from "./sqlite-blob-store.ts";
