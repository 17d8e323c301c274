import { type KeyValue, systemNameOf } from "@kv/protocol";

/** `db.system.name`: the backend. */
export const DB_SYSTEM_NAME = "db.system.name";
/** `db.operation.name`: the method called. */
export const DB_OPERATION_NAME = "db.operation.name";
/** `db.collection.name`: the collection. */
export const DB_COLLECTION_NAME = "db.collection.name";
/** `db.operation.batch.size`: how many entries a bulk call names. */
export const DB_OPERATION_BATCH_SIZE = "db.operation.batch.size";
/** `error.type`: the class of the error a call failed with. */
export const ERROR_TYPE = "error.type";
/** The key of a single-key call, with `recordKeys` only. */
export const KV_KEY = "kv.key";
/** The keys of a bulk call, with `recordKeys` only. */
export const KV_KEYS = "kv.keys";

/** The histogram of operation durations, in seconds. */
export const DB_CLIENT_OPERATION_DURATION = "db.client.operation.duration";
/** The bucket boundaries the semantic conventions recommend for it, in seconds. */
export const DURATION_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10];

/** Store names whose well-known `db.system.name` is spelled differently. */
const wellKnownSystems: Readonly<Record<string, string>> = {
  dynamodb: "aws.dynamodb",
  postgres: "postgresql",
};

/**
 * The `db.system.name` of a store: its `systemName` (the innermost store's, through wrappers),
 * spelled as the semantic conventions' well-known value where one exists, else `"other"`.
 */
export function dbSystemName(store: KeyValue): string {
  const named = systemNameOf(store);
  if (named === undefined) return "other";
  return wellKnownSystems[named] ?? named;
}

/** The `error.type` of a failure: the error's class name, or `"_OTHER"` when it has none. */
export function errorType(error: unknown): string {
  const name = (error as { name?: unknown } | null | undefined)?.name;
  return typeof name === "string" && name !== "" ? name : "_OTHER";
}

/** The exception as a span records it: name, message and stack, without the key unless asked. */
export function exceptionOf(
  error: unknown,
  recordKeys: boolean,
): { name: string; message: string; stack?: string } {
  if (!(error instanceof Error)) return { name: errorType(error), message: String(error) };
  const key = (error as { key?: unknown }).key;
  const hide =
    recordKeys || typeof key !== "string"
      ? (text: string) => text
      : (text: string) => text.split(`key: ${shownKey(key)}`).join("key: [not recorded]");
  const exception = { name: errorType(error), message: hide(error.message) };
  return error.stack === undefined ? exception : { ...exception, stack: hide(error.stack) };
}

/** A key as the protocol's error messages show it: cut to 80 characters. */
function shownKey(key: string): string {
  return key.length > 80 ? `${key.slice(0, 77)}...` : key;
}
