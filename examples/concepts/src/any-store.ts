import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { DiskStore } from "@kv/disk";
import { DynamoDbStore } from "@kv/dynamodb";
import { ElasticsearchStore } from "@kv/elasticsearch";
import { LevelDbStore } from "@kv/leveldb";
import { MemoryStore } from "@kv/memory";
import { MongoDbStore } from "@kv/mongodb";
import { type KeyValue, supportsClose } from "@kv/protocol";
import { RedisStore } from "@kv/redis";
import { SqliteStore } from "@kv/sqlite";

// Any of these runs the quick start unchanged. Nothing connects or creates anything until the
// first call, so constructing a store never fails because its backend is down.
const stores: Record<string, KeyValue> = {
  memory: new MemoryStore({ maxEntries: 10_000 }),
  disk: new DiskStore({ directory: "./data" }),
  leveldb: new LevelDbStore({ location: "./data/db" }),
  sqlite: new SqliteStore({ path: "./data/kv.sqlite" }),
  redis: new RedisStore({ url: "redis://127.0.0.1:6379/0" }),
  mongodb: new MongoDbStore({ url: "mongodb://127.0.0.1:27017", databaseName: "app" }),
  dynamodb: new DynamoDbStore({ tableName: "app-kv", region: "eu-west-1" }),
  elasticsearch: new ElasticsearchStore({ url: "http://127.0.0.1:9200" }),
};

for (const store of Object.values(stores)) if (supportsClose(store)) await store.close();
assert.equal(existsSync("./data"), false);
