import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { DeleteBucketCommand } from "@aws-sdk/client-s3";
import { DynamoDbStore } from "@kv/dynamodb";
import { ElasticsearchStore } from "@kv/elasticsearch";
import type { PyStore } from "@kv/interop-python";
import { MongoDbStore } from "@kv/mongodb";
import { PostgresStore } from "@kv/postgres";
import type { KeyValue } from "@kv/protocol";
import { RedisStore } from "@kv/redis";
import { S3Store } from "@kv/s3";
import dynalite from "dynalite";
import { services } from "./services.ts";

/** Database 15 of the Redis server: no other test calls `destroy()` there. */
const redisDb15 = Object.assign(new URL(services.redis), { pathname: "/15" }).href;
const {
  mongodb: mongoUrl,
  elasticsearch: elasticsearchUrl,
  postgres: postgresUrl,
  s3: s3Url,
} = services;

/** One backend seen from both sides: the @kv store and py-key-value's store on the same data. */
export interface Sides {
  store: KeyValue;
  python: PyStore;
  /** Removes the collections the tests wrote and closes everything opened. */
  cleanUp(collections: readonly string[]): Promise<void>;
}

/** A backend the interop tests run on. */
export interface Backend {
  name: string;
  open(): Promise<Sides>;
}

type Droppable = KeyValue & {
  destroyCollection(collection: string): Promise<boolean>;
  close(): Promise<void>;
};

function sides(store: Droppable, python: PyStore): Sides {
  return {
    store,
    python,
    async cleanUp(collections) {
      for (const collection of collections) await store.destroyCollection(collection);
      await store.close();
    },
  };
}

/**
 * Each store with its defaults, and py-key-value's store configured to meet it: the same Redis
 * database (no namespace, so `collection::key`), the same MongoDB database (both default to
 * "kv-store-adapter"), the same index prefix ("kv_store", which py-key-value makes the caller
 * pass), the same DynamoDB table (a fresh one on dynalite, in this process) and the same
 * PostgreSQL table (both default to "kv_store") and the same S3 bucket (a fresh one, no prefix).
 */
export const BACKENDS: Backend[] = [
  {
    name: "Redis",
    open: async () =>
      sides(new RedisStore({ url: redisDb15 }), { backend: "redis", url: redisDb15 }),
  },
  {
    name: "MongoDB",
    open: async () =>
      sides(new MongoDbStore({ url: mongoUrl }), { backend: "mongodb", url: mongoUrl }),
  },
  {
    name: "Elasticsearch",
    open: async () =>
      sides(
        // Reads by key are realtime, so writes need not wait for a refresh.
        new ElasticsearchStore({ url: elasticsearchUrl, refresh: false }),
        { backend: "elasticsearch", url: elasticsearchUrl, index_prefix: "kv_store" },
      ),
  },
  {
    name: "PostgreSQL",
    open: async () =>
      sides(new PostgresStore({ url: postgresUrl }), { backend: "postgresql", url: postgresUrl }),
  },
  {
    name: "S3",
    open: async () => {
      const bucket = `kv-interop-${randomUUID().slice(0, 8)}`;
      const store = new S3Store({
        bucket,
        createBucket: true,
        endpoint: s3Url,
        credentials: { accessKeyId: "test", secretAccessKey: "test" },
      });
      return {
        store,
        python: { backend: "s3", endpoint_url: s3Url, bucket_name: bucket },
        async cleanUp(collections) {
          for (const collection of collections) await store.destroyCollection(collection);
          await store.client.send(new DeleteBucketCommand({ Bucket: bucket }));
          await store.close();
        },
      };
    },
  },
  {
    name: "DynamoDB",
    open: async () => {
      const server = dynalite({ createTableMs: 0 });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const tableName = `kv-interop-${randomUUID().slice(0, 8)}`;
      const store = new DynamoDbStore({
        tableName,
        endpoint,
        region: "us-east-1",
        credentials: { accessKeyId: "test", secretAccessKey: "test" },
      });
      return {
        store,
        python: { backend: "dynamodb", endpoint_url: endpoint, table_name: tableName },
        async cleanUp() {
          await store.close();
          await new Promise((resolve) => server.close(resolve));
        },
      };
    },
  },
];
