export { StoreConfigurationError } from "@kv/protocol";
export { RequestTooLargeError } from "./errors.ts";
export { EtcdStore } from "./etcd-store.ts";
export type {
  EtcdStoreClientOptions,
  EtcdStoreOptions,
  EtcdStoreUrlOptions,
} from "./options.ts";
