export {
  ConcurrentWriterError,
  type ConcurrentWriterFields,
  JsonFileSyntaxError,
  type JsonFileSyntaxFields,
} from "./errors.ts";
export { JsonFileStore } from "./json-file-store.ts";
export type { JsonFileStoreOptions } from "./options.ts";
