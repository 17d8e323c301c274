import type { BaseStoreOptions } from "@kv/protocol";
import { type Db, MongoClient, type MongoClientOptions } from "mongodb";
import {
  DEFAULT_MAX_COLLECTION_NAME_BYTES,
  MAX_MAX_COLLECTION_NAME_BYTES,
  MIN_MAX_COLLECTION_NAME_BYTES,
} from "./names.ts";

/** Options every way of constructing a `MongoDbStore` accepts. */
export interface MongoDbStoreCommonOptions extends BaseStoreOptions {
  /**
   * The longest MongoDB collection name the store makes, in UTF-8 bytes (80 to 255); a longer
   * collection name is shortened with its SHA-256 digest. @default 120
   */
  maxCollectionNameBytes?: number | undefined;
}

/** Use an existing `MongoClient`; the store never closes it. */
export interface MongoDbStoreClientOptions extends MongoDbStoreCommonOptions {
  /** A client, borrowed: `close()` leaves it open. */
  client: MongoClient;
  /** The database holding the store's collections. @default "kv-store-adapter" */
  databaseName?: string | undefined;
}

/** Use an existing database handle; the store never closes its client. */
export interface MongoDbStoreDbOptions extends MongoDbStoreCommonOptions {
  /** The database holding the store's collections, borrowed with its client. */
  db: Db;
}

/** Connect with a connection string; the store owns the client and `close()` closes it. */
export interface MongoDbStoreUrlOptions extends MongoDbStoreCommonOptions {
  /** A `mongodb://` or `mongodb+srv://` connection string. @default "mongodb://127.0.0.1:27017" */
  url?: string | undefined;
  /** The database holding the store's collections. @default "kv-store-adapter" */
  databaseName?: string | undefined;
  /** Driver options, applied over the store's defaults. @default {} */
  clientOptions?: MongoClientOptions | undefined;
  /**
   * How long a call waits for a usable server before failing with `StoreConnectionError`: the
   * bound on every call while the server is unreachable (the driver's `serverSelectionTimeoutMS`).
   * @default timeoutMs, or 3000
   */
  serverSelectionTimeoutMs?: number | undefined;
  /**
   * How long opening one connection (TCP, TLS and the handshake) may take (the driver's
   * `connectTimeoutMS`). @default timeoutMs, or 2000
   */
  connectTimeoutMs?: number | undefined;
  /** Sets both `serverSelectionTimeoutMs` and `connectTimeoutMs` where they are not given. */
  timeoutMs?: number | undefined;
}

/** Options of `MongoDbStore`: a borrowed client or database, or a connection string. */
export type MongoDbStoreOptions =
  | MongoDbStoreClientOptions
  | MongoDbStoreDbOptions
  | MongoDbStoreUrlOptions;

/** py-key-value's default database. */
export const DEFAULT_DATABASE = "kv-store-adapter";
const DEFAULT_URL = "mongodb://127.0.0.1:27017";
const DEFAULT_SERVER_SELECTION_TIMEOUT_MS = 3000;
const DEFAULT_CONNECT_TIMEOUT_MS = 2000;

/** The database a store uses, and the client it must close (only when it made it). */
export function openDatabase(options: MongoDbStoreOptions): {
  db: Db;
  ownedClient: MongoClient | undefined;
} {
  if ("db" in options && options.db !== undefined)
    return { db: options.db, ownedClient: undefined };
  if ("client" in options && options.client !== undefined) {
    return {
      db: options.client.db(options.databaseName ?? DEFAULT_DATABASE),
      ownedClient: undefined,
    };
  }
  const owned = options as MongoDbStoreUrlOptions;
  const ms = (name: "serverSelectionTimeoutMs" | "connectTimeoutMs", fallback: number) =>
    positive(
      owned[name] ?? owned.timeoutMs ?? fallback,
      owned[name] === undefined ? "timeoutMs" : name,
    );
  const client = new MongoClient(owned.url ?? DEFAULT_URL, {
    serverSelectionTimeoutMS: ms("serverSelectionTimeoutMs", DEFAULT_SERVER_SELECTION_TIMEOUT_MS),
    connectTimeoutMS: ms("connectTimeoutMs", DEFAULT_CONNECT_TIMEOUT_MS),
    ...owned.clientOptions,
  });
  return { db: client.db(owned.databaseName ?? DEFAULT_DATABASE), ownedClient: client };
}

/** The collection name limit from the options. @throws RangeError when it is out of range */
export function nameLimit(options: MongoDbStoreCommonOptions): number {
  const limit = options.maxCollectionNameBytes ?? DEFAULT_MAX_COLLECTION_NAME_BYTES;
  if (
    !Number.isInteger(limit) ||
    limit < MIN_MAX_COLLECTION_NAME_BYTES ||
    limit > MAX_MAX_COLLECTION_NAME_BYTES
  ) {
    throw new RangeError(
      `maxCollectionNameBytes must be an integer from ${MIN_MAX_COLLECTION_NAME_BYTES} to ${MAX_MAX_COLLECTION_NAME_BYTES}, got ${String(limit)}`,
    );
  }
  return limit;
}

function positive(value: number, name: string): number {
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`${name} must be a positive number of milliseconds, got ${String(value)}`);
  }
  return value;
}
