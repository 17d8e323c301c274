export {
  ConcurrentWriterError,
  type ConcurrentWriterFields,
  JsonFileSyntaxError,
  type JsonFileSyntaxFields,
} from "./errors.ts";
export { JsonFileStore, type JsonFileStoreOptions } from "./json-file-store.ts";
