import type { KeyValue } from "@kv/protocol";
import {
  loadExport,
  type StoreDefinition,
  storeFromPackage,
  type WrapperDefinition,
  wrapperFromPackage,
} from "./definitions.ts";
import type { OptionSpecs } from "./options.ts";

const common: OptionSpecs = { defaultCollection: "string", clock: "any" };
const required = { type: "string", required: true } as const;

type StoreName =
  | "memory"
  | "null"
  | "disk"
  | "leveldb"
  | "sqlite"
  | "redis"
  | "mongodb"
  | "dynamodb"
  | "elasticsearch"
  | "postgres"
  | "memcached"
  | "etcd"
  | "json-file"
  | "s3";

/** The options every store of the repository accepts, by store name. */
const storeOptions: Record<StoreName, OptionSpecs> = {
  memory: { ...common, maxEntries: "integer", maxBytes: "integer" },
  null: common,
  disk: {
    ...common,
    directory: required,
    fanOutLevels: [0, 1, 2, 3],
    fsync: "boolean",
    maxEntries: "integer",
  },
  leveldb: { ...common, location: required, sync: "boolean", openOptions: "object", client: "any" },
  sqlite: {
    ...common,
    path: required,
    table: "string",
    indexExpiry: "boolean",
    busyTimeoutMs: "number",
    synchronous: ["off", "normal", "full", "extra"],
  },
  redis: {
    ...common,
    url: "string",
    nodes: "array",
    client: "any",
    namespace: "string",
    timeoutMs: "number",
    connectTimeoutMs: "number",
    redisOptions: "object",
    clusterOptions: "object",
  },
  mongodb: {
    ...common,
    url: "string",
    client: "any",
    db: "any",
    databaseName: "string",
    maxCollectionNameBytes: "integer",
    clientOptions: "object",
    serverSelectionTimeoutMs: "number",
    connectTimeoutMs: "number",
    timeoutMs: "number",
  },
  dynamodb: {
    ...common,
    tableName: required,
    createTable: "boolean",
    consistentRead: "boolean",
    maxConcurrency: "integer",
    retryInitialDelayMs: "number",
    retryMaxDelayMs: "number",
    retryDeadlineMs: "number",
    tableReadyTimeoutMs: "number",
    client: "any",
    region: "string",
    endpoint: "string",
    credentials: "object",
    connectTimeoutMs: "number",
    requestTimeoutMs: "number",
    clientConfig: "object",
  },
  elasticsearch: {
    ...common,
    url: "any",
    client: "any",
    auth: "object",
    indexPrefix: "string",
    refresh: [true, false, "wait_for"],
    refreshBeforeListing: "boolean",
    indexSettings: "object",
    pageSize: "integer",
    requestTimeoutMs: "number",
    maxRetries: "integer",
    retryDelayMs: "number",
    clientOptions: "object",
  },
  postgres: {
    ...common,
    url: "string",
    client: "any",
    table: "string",
    connectTimeoutMs: "number",
    poolOptions: "object",
  },
  memcached: {
    ...common,
    url: "string",
    client: "any",
    timeoutMs: "number",
    connectTimeoutMs: "number",
    maxConnections: "integer",
  },
  etcd: {
    ...common,
    url: "any",
    client: "any",
    namespace: "string",
    pageSize: "integer",
    maxRequestBytes: "integer",
    maxTxnOps: "integer",
    auth: "object",
    credentials: "object",
    timeoutMs: "number",
    clientOptions: "object",
  },
  "json-file": {
    ...common,
    directory: required,
    lock: "boolean",
    lockTimeoutMs: "number",
    fsync: "boolean",
  },
  s3: {
    ...common,
    bucket: required,
    prefix: "string",
    createBucket: "boolean",
    client: "any",
    endpoint: "string",
    region: "string",
    credentials: "object",
    forcePathStyle: "boolean",
    connectTimeoutMs: "number",
    requestTimeoutMs: "number",
    clientConfig: "object",
    maxConcurrency: "integer",
    verifyConditionalWrites: "boolean",
  },
};

/** The options of a built-in store (by its short name). */
export function builtinStoreOptions(name: StoreName): OptionSpecs {
  return storeOptions[name];
}

/** Every store of the repository, by short name. */
export function builtinStores(): [string, StoreDefinition][] {
  const store = (name: StoreName, exportName: string): [string, StoreDefinition] => [
    name,
    storeFromPackage(`@kv/${name}`, exportName, storeOptions[name]),
  ];
  return [
    store("memory", "MemoryStore"),
    store("null", "NullStore"),
    store("disk", "DiskStore"),
    store("leveldb", "LevelDbStore"),
    store("sqlite", "SqliteStore"),
    store("redis", "RedisStore"),
    store("mongodb", "MongoDbStore"),
    store("dynamodb", "DynamoDbStore"),
    store("elasticsearch", "ElasticsearchStore"),
    store("postgres", "PostgresStore"),
    store("memcached", "MemcachedStore"),
    store("etcd", "EtcdStore"),
    store("json-file", "JsonFileStore"),
    store("s3", "S3Store"),
  ];
}

/** A key or collection rule from configuration: text is a regular expression. */
function rule(value: unknown): unknown {
  return typeof value === "string" ? new RegExp(value) : value;
}

/** The option a bare `?name=value` store-URL parameter sets, by wrapper. */
const shorthands: Readonly<Record<string, string>> = {
  "hash-prefix": "prefixLength",
  "limit-size": "maxBytes",
  "prefix-collections": "prefix",
  "prefix-keys": "prefix",
  "read-only": "onWrite",
  retry: "maxRetries",
  "single-collection": "singleCollection",
  timeout: "timeoutMs",
  "ttl-clamp": "maxTtl",
};

/** Every wrapper of the repository, by short name. */
export function builtinWrappers(): [string, WrapperDefinition][] {
  return wrapperDefinitions().map(([name, definition]) => [
    name,
    shorthands[name] === undefined ? definition : { ...definition, shorthand: shorthands[name] },
  ]);
}

function wrapperDefinitions(): [string, WrapperDefinition][] {
  const wrapper = (
    name: string,
    exportName: string,
    options: OptionSpecs,
    bases?: "list" | readonly string[],
  ): [string, WrapperDefinition] => [
    name,
    wrapperFromPackage(`@kv/${name}`, exportName, options, bases),
  ];
  const keyValidation = wrapperFromPackage("@kv/key-validation", "KeyValidationWrapper", {
    key: "any",
    collection: "any",
  });
  return [
    wrapper("compression", "CompressionWrapper", { minBytes: "integer", level: "integer" }),
    wrapper("default-value", "DefaultValueWrapper", {
      defaultValue: { type: "object", required: true },
      defaultTtl: "ttl",
    }),
    wrapper("encryption", "EncryptionWrapper", {
      mode: ["aes-256-gcm", "fernet"],
      keys: "array",
      sourceMaterial: "string",
      salt: "string",
      fernetKeys: "array",
      throwOnDecryptionError: "boolean",
      acceptUnencrypted: "boolean",
    }),
    wrapper("hash-prefix", "HashPrefixWrapper", { prefixLength: "integer", separator: "string" }),
    [
      "key-validation",
      {
        ...keyValidation,
        create: (base, values, context) =>
          keyValidation.create(
            base,
            { ...values, key: rule(values.key), collection: rule(values.collection) },
            context,
          ),
      },
    ],
    wrapper("limit-size", "LimitSizeWrapper", {
      minBytes: "integer",
      maxBytes: "integer",
      throwOnTooLarge: "boolean",
      throwOnTooSmall: "boolean",
    }),
    wrapper("logging", "LoggingWrapper", {
      logger: "any",
      levels: "object",
      logValues: "boolean",
      logKeys: "boolean",
      messageKey: "string",
    }),
    wrapper("notifying", "NotifyingWrapper", {
      onPut: "any",
      onDelete: "any",
      onChange: "any",
      includeValues: "boolean",
      awaitHandlers: "boolean",
      onHandlerError: "any",
    }),
    wrapper("opentelemetry", "OpenTelemetryWrapper", {
      tracerProvider: "any",
      meterProvider: "any",
      systemName: "string",
      recordKeys: "boolean",
    }),
    wrapper("prefix-collections", "PrefixCollectionsWrapper", {
      prefix: required,
      separator: "string",
      defaultCollection: "string",
    }),
    wrapper("prefix-keys", "PrefixKeysWrapper", { prefix: required, separator: "string" }),
    wrapper("read-only", "ReadOnlyWrapper", { onWrite: ["throw", "drop"] }),
    wrapper("retry", "RetryWrapper", {
      maxRetries: "integer",
      initialDelayMs: "number",
      maxDelayMs: "number",
      exponentialBase: "number",
      deadlineMs: "number",
      retryOn: "any",
      onRetry: "any",
    }),
    wrapper("single-collection", "SingleCollectionWrapper", {
      singleCollection: required,
      separator: "string",
      defaultCollection: "string",
    }),
    wrapper("statistics", "StatisticsWrapper", { maxCollections: "integer", clock: "any" }),
    wrapper("timeout", "TimeoutWrapper", { timeoutMs: "number", operationTimeoutMs: "object" }),
    wrapper("ttl-clamp", "TtlClampWrapper", { minTtl: "ttl", maxTtl: "ttl", defaultTtl: "ttl" }),
    wrapper("write-only", "WriteOnlyWrapper", {}),
    wrapper(
      "fallback",
      "FallbackWrapper",
      {
        fallbackOn: "any",
        writeToFallback: "boolean",
        failureThreshold: "integer",
        cooldownMs: "number",
        clock: "any",
      },
      ["primary", "fallback"],
    ),
    wrapper(
      "passthrough-cache",
      "PassthroughCacheWrapper",
      { maxCacheTtl: "ttl", onCacheError: "any", clock: "any" },
      ["primary", "cache"],
    ),
    wrapper(
      "mirroring",
      "MirroringWrapper",
      { onPartialFailure: ["fail", "report"], report: "any" },
      "list",
    ),
    [
      "routing",
      {
        packageName: "@kv/routing",
        options: {},
        bases: ["default", "*"],
        create: async (bases, _values, context) => {
          const { default: defaultStore, ...collections } = bases as Readonly<
            Record<string, KeyValue>
          >;
          const Routing = await loadExport("@kv/routing", "RoutingWrapper", context);
          return new Routing({ defaultStore, collections });
        },
      },
    ],
  ];
}
