import { MongoDbStore } from "@kv/mongodb";
import { type Collection, MongoClient } from "mongodb";
import { open, seal } from "../envelope.ts";
import { ownedKvClient } from "../kv-client.ts";
import { type Client, type Entry, type Suite, TTL_SECONDS } from "../types.ts";
import { serverFacts, withClient } from "./servers.ts";

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
  const put = (key: string, text: string) =>
    collection.replaceOne({ key }, { key, value: text }, { upsert: true });
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
    put: (key, value) => put(key, seal(value, Date.now())),
    putTtl: (key, value) => put(key, seal(value, Date.now(), TTL_SECONDS)),
    putMany: (entries) => write(entries),
    putManyTtl: (entries) => write(entries, TTL_SECONDS),
    close: () => client.close(),
  };
}

async function unavailable(): Promise<string | undefined> {
  return withClient(connect(), async (client) => {
    try {
      await client.db(DATABASE).command({ ping: 1 });
      await client.db(DATABASE).dropDatabase();
      return undefined;
    } catch {
      return `no MongoDB server answers at ${mongoUrl()}; start it with: bash scripts/services/start-all.sh mongodb`;
    }
  });
}

/** MongoDB stores against the raw driver, in a database of the bench's own. */
export function mongodbSuite(): Suite {
  return {
    id: "mongodb",
    title: "MongoDB",
    baseline: RAW,
    unavailable,
    environment: () =>
      serverFacts(connect(), async (client) => {
        const info = await client.db(DATABASE).command({ buildInfo: 1 });
        return { "MongoDB server": `${String(info.version)} at ${mongoUrl()}` };
      }),
    cleanup: () =>
      withClient(connect(), async (client) => {
        await client.db(DATABASE).dropDatabase();
      }),
    subjects: [
      {
        name: RAW,
        role: "baseline",
        description:
          "findOne / replaceOne upsert, find $in, one unordered bulkWrite; unique key index; same JSON envelope as the Map baseline",
        packages: ["mongodb"],
        open: rawClient,
      },
      {
        name: "@kv/mongodb",
        role: "kv",
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
    ],
  };
}
