import { describeConformance } from "@kv/conformance";
import { MongoDbStore } from "@kv/mongodb";
import { BaseWrapper, type KeyValue } from "@kv/protocol";
import { MongoClient } from "mongodb";
import { afterAll } from "vitest";
import { freshDatabase, mongoUrl } from "./server.ts";

class PassThroughWrapper extends BaseWrapper {}

// Each suite has a database of its own, because the suite calls destroy().
const databases = {
  owned: freshDatabase("conformance-owned"),
  borrowed: freshDatabase("conformance-borrowed"),
  wrapped: freshDatabase("conformance-wrapped"),
};
const client = new MongoClient(mongoUrl);

afterAll(async () => {
  for (const name of Object.values(databases)) await client.db(name).dropDatabase();
  await client.close();
});

/** A second store on the same database with a client of its own, for the concurrency tests. */
const peerOn = (databaseName: string) => () => new MongoDbStore({ url: mongoUrl, databaseName });

await describeConformance("MongoDbStore (own client from a connection string)", {
  createStore: () => new MongoDbStore({ url: mongoUrl, databaseName: databases.owned }),
  createPeer: peerOn(databases.owned),
});

await describeConformance("MongoDbStore (borrowed client)", {
  createStore: () => new MongoDbStore({ client, databaseName: databases.borrowed }),
  createPeer: peerOn(databases.borrowed),
});

await describeConformance("MongoDbStore through a pass-through BaseWrapper (borrowed Db)", {
  createStore: (): KeyValue =>
    new PassThroughWrapper(new MongoDbStore({ db: client.db(databases.wrapped) })),
  createPeer: (): KeyValue => new PassThroughWrapper(peerOn(databases.wrapped)()),
});
