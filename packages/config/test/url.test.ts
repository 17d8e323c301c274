import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { DiskStore } from "@kv/disk";
import { DynamoDbStore } from "@kv/dynamodb";
import { ElasticsearchStore } from "@kv/elasticsearch";
import { EtcdStore } from "@kv/etcd";
import { JsonFileStore } from "@kv/json-file";
import { LevelDbStore } from "@kv/leveldb";
import { MemcachedStore } from "@kv/memcached";
import { MemoryStore } from "@kv/memory";
import { MongoDbStore } from "@kv/mongodb";
import { NullStore } from "@kv/null";
import { PostgresStore } from "@kv/postgres";
import { type KeyValue, supportsClose, supportsDestroy } from "@kv/protocol";
import { ReadOnlyError } from "@kv/read-only";
import { RedisStore } from "@kv/redis";
import { S3Store } from "@kv/s3";
import { SqliteStore } from "@kv/sqlite";
import { describe, expect, it } from "vitest";
import {
  etcdUrl,
  memcachedUrl,
  postgresUrl,
  redisTls,
  s3Url,
} from "../../../scripts/services/require-service.ts";
import {
  ConfigError,
  loadConfig,
  MissingPackageError,
  openStore,
  type ParsedStoreUrl,
  parseStoreUrl,
  redactCredentials,
  registerStore,
  storeFromPackage,
  UnknownOptionError,
  UnknownTypeError,
} from "../src/index.ts";
import { rejection } from "./rejection.ts";
import {
  clusterHosts,
  dynamodbEndpoint,
  elasticsearchHost,
  mongoHost,
  redisDbUrl,
  temporaryDirectory,
} from "./servers.ts";

const directory = temporaryDirectory("kv-config-url-");

/** Puts, gets and deletes one entry, then destroys what the store made and closes it. */
async function roundTrip(store: KeyValue, expectsValue = true): Promise<void> {
  const collection = `config_${Date.now()}`;
  try {
    await store.put("k1", { n: 1 }, { collection });
    expect(await store.get("k1", { collection })).toEqual(expectsValue ? { n: 1 } : undefined);
    expect(await store.delete("k1", { collection })).toBe(expectsValue);
    expect(await store.get("k1", { collection })).toBeUndefined();
  } finally {
    if (supportsDestroy(store)) await store.destroy();
    if (supportsClose(store)) await store.close();
  }
}

describe("openStore opens the store each URL names, which passes a round trip", () => {
  const cases: [string, () => string, new (...args: never[]) => KeyValue][] = [
    ["memory:", () => "memory:", MemoryStore],
    ["memory: with options", () => "memory:?max_entries=10&defaultCollection=c", MemoryStore],
    ["file: (a directory URL)", () => pathToFileURL(join(directory(), "file")).href, DiskStore],
    ["disk: (a path)", () => `disk:${join(directory(), "disk")}?fsync=false`, DiskStore],
    ["leveldb:", () => `leveldb://${join(directory(), "level")}`, LevelDbStore],
    ["sqlite: a file", () => `sqlite:${join(directory(), "db.sqlite")}?table=kv_t`, SqliteStore],
    ["sqlite::memory:", () => "sqlite::memory:", SqliteStore],
    ["redis:", () => `${redisDbUrl(13)}?namespace=config_test&timeout_ms=3000`, RedisStore],
    ["redis: a cluster", () => `redis://${clusterHosts()}/?namespace=config_test`, RedisStore],
    ["mongodb:", () => `mongodb://${mongoHost()}/kv_config_test?timeoutMs=3000`, MongoDbStore],
    [
      "dynamodb:",
      () =>
        `dynamodb://test:test@kv_config_test?region=us-east-1&endpoint=${encodeURIComponent(dynamodbEndpoint())}`,
      DynamoDbStore,
    ],
    [
      "elasticsearch:",
      () => `elasticsearch://${elasticsearchHost()}/kv_config_a?refresh=true`,
      ElasticsearchStore,
    ],
    ["http: with an index", () => `http://${elasticsearchHost()}/kv_config_b`, ElasticsearchStore],
    ["postgres:", () => `${postgresUrl()}?table=kv_config_test`, PostgresStore],
    ["postgresql:", () => postgresUrl().replace(/^postgres:/, "postgresql:"), PostgresStore],
    ["memcached:", () => `${memcachedUrl()}?timeout_ms=3000`, MemcachedStore],
    ["etcd:", () => `${etcdUrl().replace(/^http:/, "etcd:")}?namespace=kv_config`, EtcdStore],
    ["json-file:", () => `json-file:${join(directory(), "json")}?fsync=false`, JsonFileStore],
    [
      "s3:",
      () =>
        `s3://any:any@kv-config-${process.pid}/app?endpoint=${encodeURIComponent(s3Url())}&create_bucket=true&region=us-east-1`,
      S3Store,
    ],
    ["disk: bounded", () => `disk:${join(directory(), "lru")}?max_entries=100`, DiskStore],
  ];
  for (const [name, url, Store] of cases) {
    it(name, async () => {
      const store = await openStore(url());
      expect(store).toBeInstanceOf(Store);
      await roundTrip(store);
    });
  }

  it("rediss: (Redis over TLS, trusting the test server's certificate)", async () => {
    const { url, ca } = redisTls();
    const store = await openStore(`${url.replace(/\/$/, "")}/13?namespace=config_tls`, {
      options: { redisOptions: { tls: { ca: readFileSync(ca) } } },
    });
    expect(store).toBeInstanceOf(RedisStore);
    await roundTrip(store);
  });

  it("null: (writes vanish)", async () => {
    const store = await openStore("null:");
    expect(store).toBeInstanceOf(NullStore);
    await roundTrip(store, false);
  });

  it("passes extra options over the URL's", async () => {
    const store = await openStore("memory:", { options: { defaultCollection: "extra" } });
    expect((store as MemoryStore).defaultCollection).toBe("extra");
  });
});

describe("parseStoreUrl maps each URL form to the store's options", () => {
  const cases: [string, string, ParsedStoreUrl][] = [
    [
      "redis: keeps user, password and database in the URL; query parameters become options",
      "rediss://u:p@h:6380/2?namespace=app&connect_timeout_ms=50",
      {
        type: "redis",
        options: { url: "rediss://u:p@h:6380/2", namespace: "app", connect_timeout_ms: "50" },
      },
    ],
    [
      "redis: several hosts are a cluster, with credentials and TLS for its nodes",
      "rediss://:secret@a:1,b:2",
      {
        type: "redis",
        options: {
          nodes: ["a:1", "b:2"],
          clusterOptions: { redisOptions: { password: "secret", tls: {} } },
        },
      },
    ],
    [
      "mongodb: the path is the database; driver options stay in the URL",
      "mongodb+srv://h/app?retryWrites=true&timeout_ms=10",
      {
        type: "mongodb",
        options: {
          url: "mongodb+srv://h/app?retryWrites=true",
          databaseName: "app",
          timeout_ms: "10",
        },
      },
    ],
    [
      "dynamodb: the table, with region and endpoint as parameters",
      "dynamodb:sessions?region=eu-west-1",
      {
        type: "dynamodb",
        options: { tableName: "sessions", region: "eu-west-1" },
      },
    ],
    [
      "postgres: pg's own connection parameters (sslmode …) stay in the URL",
      "postgres://u:p@h/db?sslmode=require&table=kv",
      {
        type: "postgres",
        options: { url: "postgres://u:p@h/db?sslmode=require", table: "kv" },
      },
    ],
    [
      "etcd: one or several members, credentials become auth; etcd+https: is TLS",
      "etcd+https://u:p@a:2379,b:2379?namespace=app",
      {
        type: "etcd",
        options: {
          url: ["https://a:2379", "https://b:2379"],
          auth: { username: "u", password: "p" },
          namespace: "app",
        },
      },
    ],
    [
      "elasticsearch: the path is the index prefix, credentials become auth",
      "elasticsearch+https://u:p@h:9200/app",
      {
        type: "elasticsearch",
        options: {
          url: "https://h:9200",
          indexPrefix: "app",
          auth: { username: "u", password: "p" },
        },
      },
    ],
  ];
  for (const [name, url, parsed] of cases) {
    it(name, () => {
      expect(parseStoreUrl(url)).toEqual(parsed);
    });
  }
  it("redis: cluster=true makes a cluster of a single host", () => {
    expect(parseStoreUrl("redis://a:1?cluster=true").options.nodes).toEqual(["a:1"]);
  });
});

describe("openStore refuses a URL that cannot work, before connecting", () => {
  it("an unknown scheme, with a suggestion", async () => {
    const error = await openStore("reddis://h:1").catch((e: unknown) => e);
    expect(UnknownTypeError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/did you mean redis:/);
    await expect(openStore("cassandra://h/db")).rejects.toThrow(UnknownTypeError);
  });
  it("an unknown query parameter, with a did-you-mean and never the password", async () => {
    const error = await rejection(
      openStore("redis://user:hunter2@127.0.0.1:1/0?namespce=a"),
      UnknownOptionError,
    );
    expect(error.suggestion).toBe("namespace");
    expect(error.path).toBe("url?namespce");
    expect(error.message).toMatch(/did you mean "namespace"/);
    expect(error.message).not.toContain("hunter2");
  });
  it("an unknown MongoDB parameter, never echoing the password", async () => {
    const error = await rejection(
      openStore("mongodb://u:hunter2@h/db?replicaSt=rs0"),
      UnknownOptionError,
    );
    expect(error.message).toMatch(/did you mean "replicaSet"/);
    expect(error.message).not.toContain("hunter2");
  });
  it("a value of the wrong type, naming the parameter and the expected type", async () => {
    await expect(openStore("memory:?max_entries=many")).rejects.toThrow(
      /url\?max_entries: expected an integer, found "many"/,
    );
    await expect(openStore("sqlite::memory:?synchronous=fast")).rejects.toThrow(ConfigError);
  });
  it("a malformed URL, with its credentials redacted", async () => {
    const error = await rejection(openStore("redis://user:hunter2@"), ConfigError);
    expect(error.message).not.toContain("hunter2");
    await expect(openStore("http://127.0.0.1:9200")).rejects.toThrow(/an index prefix/);
    await expect(openStore("memory:/somewhere")).rejects.toThrow(ConfigError);
  });
  it("redactCredentials hides the user and password of every URL in a text", () => {
    expect(
      redactCredentials("from redis://user:hunter2@h:6379/0 to mongodb://:pw@h/db, file:/x"),
    ).toBe("from redis://***@h:6379/0 to mongodb://***@h/db, file:/x");
  });
  it("a store whose package is not installed: MissingPackageError names the package", async () => {
    registerStore("not-installed", storeFromPackage("@kv/not-installed", "NotInstalledStore"));
    const error = (await openStore("not-installed:").catch(
      (e: unknown) => e,
    )) as MissingPackageError;
    expect(MissingPackageError.isInstance(error)).toBe(true);
    expect(error.packageName).toBe("@kv/not-installed");
    expect(error.message).toMatch(/install @kv\/not-installed/);
  });
});

describe("wrappers named in a URL's query wrap the store, innermost first", () => {
  it("name=value sets the wrapper's shorthand option, name.option=value any option, a bare name its defaults", () => {
    expect(
      parseStoreUrl("redis://h:6379?namespace=app&retry=3&ttl_clamp.max_ttl=1h&statistics"),
    ).toEqual({
      type: "redis",
      options: { url: "redis://h:6379", namespace: "app" },
      wrappers: [
        { type: "retry", options: { maxRetries: 3 } },
        { type: "ttl-clamp", options: { maxTtl: "1h" } },
        { type: "statistics", options: {} },
      ],
    });
  });
  it("a parameter that is one of the store's options stays the store's", () => {
    expect(parseStoreUrl("redis://h:6379?timeout_ms=5").wrappers).toBeUndefined();
  });
  it("openStore applies them: ?ttl_clamp=60&prefix_keys=tenant over memory:", async () => {
    const inner = new MemoryStore();
    registerStore("memory-under-test", () => inner);
    const store = await openStore("memory-under-test:?ttl_clamp=60&prefix_keys=tenant");
    await store.put("k", { n: 1 }, { ttl: 3600 });
    const [value, ttl] = await store.ttl("k");
    expect(value).toEqual({ n: 1 });
    expect(ttl).toBeLessThanOrEqual(60);
    expect(await inner.get("k")).toBeUndefined();
    expect(await inner.keys()).toEqual(["tenant__k"]);
  });
  it("a URL entry of a configuration file takes them too", async () => {
    const { main } = await loadConfig({
      stores: { main: { url: "memory:?retry=2&read_only" } },
      main: "main",
    });
    await expect(main.put("k", { n: 1 })).rejects.toThrow(ReadOnlyError);
  });
  it("refuses an unknown wrapper option, with a did-you-mean", async () => {
    const error = await rejection(openStore("memory:?retry.max_retriez=3"), UnknownOptionError);
    expect(error.path).toBe("url?retry.max_retriez");
    expect(error.suggestion).toBe("maxRetries");
  });
  it("refuses option.value of a wrapper that does not exist, or wraps more than one store", async () => {
    await expect(openStore("memory:?retyr.max_retries=3")).rejects.toThrow(
      /url\?retyr.max_retries: expected a wrapper around one store \(did you mean retry\?\)/,
    );
    await expect(openStore("memory:?mirroring.report=x")).rejects.toThrow(UnknownTypeError);
  });
  it("refuses a value for a wrapper without a shorthand, and a value of the wrong type", async () => {
    await expect(openStore("memory:?statistics=5")).rejects.toThrow(
      /statistics.<option>=value \(statistics has no shorthand option\)/,
    );
    await expect(openStore("memory:?retry=often")).rejects.toThrow(
      /url\?retry.maxRetries: expected an integer, found "often"/,
    );
  });
});
