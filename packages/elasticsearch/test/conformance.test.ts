import { describeConformance } from "@kv/conformance";
import { ElasticsearchStore } from "@kv/elasticsearch";
import { BaseWrapper, type KeyValue } from "@kv/protocol";
import { afterAll } from "vitest";
import {
  deleteIndices,
  elasticsearchUrl,
  freshPrefix,
  rawClient,
  testIndexSettings,
} from "./helpers.ts";

class PassThroughWrapper extends BaseWrapper {}

const client = rawClient();
const prefixes = [freshPrefix("conformance"), freshPrefix("wrapped")] as const;

afterAll(async () => {
  for (const prefix of prefixes) await deleteIndices(client, prefix);
  await client.close();
});

/** A store with a client of its own on the indices of `indexPrefix`. */
function ownStore(indexPrefix: string): ElasticsearchStore {
  return new ElasticsearchStore({
    url: elasticsearchUrl,
    indexPrefix,
    indexSettings: testIndexSettings,
  });
}

// Default behaviour: an owned client, writes not waiting for a refresh, listings refreshing first
// (read-your-writes without a settle). The atomic operations race against a second instance with
// its own client.
await describeConformance("ElasticsearchStore", {
  createStore: () => ownStore(prefixes[0]),
  createPeer: () => ownStore(prefixes[0]),
});

// A borrowed client, listings not refreshing (refreshBeforeListing: false), and the suite
// refreshing this store's indices before it searches.
await describeConformance(
  "ElasticsearchStore (refreshBeforeListing: false) through a pass-through BaseWrapper",
  {
    createStore: (): KeyValue =>
      new PassThroughWrapper(
        new ElasticsearchStore({
          client,
          indexPrefix: prefixes[1],
          refreshBeforeListing: false,
          indexSettings: { number_of_shards: 1, number_of_replicas: 0 },
        }),
      ),
    createPeer: () => new PassThroughWrapper(ownStore(prefixes[1])),
    settle: async () => {
      await client.indices.refresh({
        index: `${prefixes[1]}-*`,
        allow_no_indices: true,
        ignore_unavailable: true,
      });
    },
  },
);
