import { MongoDbStore } from "@kv/mongodb";
import { type Collection, MongoClient } from "mongodb";
import { open, seal } from "../envelope.ts";
import { ownedKvClient } from "../kv-client.ts";
import { writeCalls } from "../raw-writes.ts";
import type { Client, Entry, Suite, Value } from "../types.ts";
import { serverSuite, withClient } from "./servers.ts";

const RAW = "mongodb (raw)";
/** The database the bench writes to, dropped at the end. */
const DATABASE = "kvbench";

interface RawDocument {
  key: string;
  value: string;
}

function mongoUrl(): string {
  return process.env.KV_MONGODB_URL ?? "mongodb://127.0.0.1:27018";
}

function connect(): MongoClient {
  return new MongoClient(mongoUrl(), { serverSelectionTimeoutMS: 2000 });
}

/**
 * The limit: the raw driver on the store's access path (documents found by a unique `key`
 * index), holding the Map baseline's envelope as JSON text.
 */
async function rawClient(): Promise<Client> {
  const client = connect();
  await client.connect();
  const collection: Collection<RawDocument> = client.db(DATABASE).collection("raw");
  await collection.createIndex({ key: 1 }, { unique: true });
  const write = (entries: readonly Entry[], ttl?: number) => {
    const now = Date.now();
    return collection.bulkWrite(
      entries.map(([key, value]) => ({
        replaceOne: {
          filter: { key },
          replacement: { key, value: seal(value, now, ttl) },
          upsert: true,
        },
      })),
      { ordered: false },
    );
  };
  const put = (key: string, value: Value, ttl?: number) =>
    collection.replaceOne({ key }, { key, value: seal(value, Date.now(), ttl) }, { upsert: true });
  return {
    get: async (key) => open((await collection.findOne({ key }))?.value, Date.now()),
    getMany: async (keys) => {
      const found = new Map<string, string>();
      for (const document of await collection.find({ key: { $in: [...keys] } }).toArray()) {
        found.set(document.key, document.value);
      }
      const now = Date.now();
      return keys.map((key) => open(found.get(key), now));
    },
    ...writeCalls(put, write),
    close: () => client.close(),
  };
}

/** MongoDB stores against the raw driver, in a database of the bench's own. */
export function mongodbSuite(): Suite {
  return serverSuite({
    id: "mongodb",
    title: "MongoDB",
    server: { name: "MongoDB server", url: mongoUrl(), service: "mongodb" },
    answer: () =>
      withClient(connect(), async (client) => {
        await client.db(DATABASE).command({ ping: 1 });
        await client.db(DATABASE).dropDatabase();
      }),
    version: () =>
      withClient(connect(), async (client) => {
        const info = await client.db(DATABASE).command({ buildInfo: 1 });
        return String(info.version);
      }),
    cleanup: () =>
      withClient(connect(), async (client) => {
        await client.db(DATABASE).dropDatabase();
      }),
    raw: {
      name: RAW,
      description:
        "findOne / replaceOne upsert, find $in, one unordered bulkWrite; unique key index; same JSON envelope as the Map baseline",
      packages: ["mongodb"],
      open: rawClient,
    },
    store: {
      name: "@kv/mongodb",
      description: "MongoDbStore({ url, databaseName }) with its defaults",
      packages: ["@kv/mongodb", "mongodb"],
      open: async () =>
        ownedKvClient(
          new MongoDbStore({
            url: mongoUrl(),
            databaseName: DATABASE,
            defaultCollection: "kv",
          }),
        ),
    },
  });
}
