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

// Default behaviour: an owned client, every write waiting for a refresh (read-your-writes).
await describeConformance("ElasticsearchStore", {
  createStore: () =>
    new ElasticsearchStore({
      url: elasticsearchUrl,
      indexPrefix: prefixes[0],
      indexSettings: testIndexSettings,
    }),
});

// Throughput mode: a borrowed client, writes not waiting for refreshes, and the suite refreshing
// this store's indices before it searches.
await describeConformance(
  "ElasticsearchStore (refresh: false) through a pass-through BaseWrapper",
  {
    createStore: (): KeyValue =>
      new PassThroughWrapper(
        new ElasticsearchStore({
          client,
          indexPrefix: prefixes[1],
          refresh: false,
          indexSettings: { number_of_shards: 1, number_of_replicas: 0 },
        }),
      ),
    settle: async () => {
      await client.indices.refresh({
        index: `${prefixes[1]}-*`,
        allow_no_indices: true,
        ignore_unavailable: true,
      });
    },
  },
);
