import { randomUUID } from "node:crypto";
import { Client, type estypes } from "@elastic/elasticsearch";
import { ElasticsearchStore, type ElasticsearchStoreOptions } from "@kv/elasticsearch";

/** The test node (scripts/services/elasticsearch.sh). */
export const elasticsearchUrl: string = process.env.KV_ELASTICSEARCH_URL ?? "http://127.0.0.1:9201";

/**
 * Test indices: one shard, no replica (one node), never refreshed on their own, so a listing that
 * sees a write proves the store refreshed what it searches.
 */
export const testIndexSettings: estypes.IndicesIndexSettings = {
  number_of_shards: 1,
  number_of_replicas: 0,
  refresh_interval: "-1",
};

/** An index prefix no other test run uses (the node keeps its data across restarts). */
export function freshPrefix(label: string): string {
  return `kvtest_${randomUUID().slice(0, 8)}_${label}`;
}

/** A client for inspecting what the store wrote. */
export function rawClient(): Client {
  return new Client({ node: elasticsearchUrl, requestTimeout: 30_000 });
}

/** Deletes every index of a prefix, by name (not by wildcard, which production clusters refuse). */
export async function deleteIndices(client: Client, prefix: string): Promise<void> {
  const indices = await client.indices.get({
    index: `${prefix}-*`,
    expand_wildcards: ["open", "closed"],
    allow_no_indices: true,
    ignore_unavailable: true,
  });
  const names = Object.keys(indices);
  if (names.length > 0) await client.indices.delete({ index: names, ignore_unavailable: true });
}

/**
 * Records the HTTP requests a client sends: `requests` as `<method> <path>`, and `queries` their
 * query strings, in the same order.
 */
export function countRequests(target: Client): {
  requests: string[];
  queries: string[];
  reset: () => void;
} {
  const requests: string[] = [];
  const queries: string[] = [];
  target.diagnostic.on("request", (_error, meta) => {
    const params = meta?.meta.request.params;
    if (params === undefined) return;
    requests.push(`${params.method} ${params.path}`);
    queries.push(typeof params.querystring === "string" ? params.querystring : "");
  });
  const reset = (): void => {
    requests.splice(0);
    queries.splice(0);
  };
  return { requests, queries, reset };
}

/**
 * Makes stores on `client` and the indices of `indexPrefix` with the test index settings; each
 * call may override any option.
 */
export function storeMaker(
  client: Client,
  indexPrefix: string,
): (options?: Partial<ElasticsearchStoreOptions>) => ElasticsearchStore {
  return (options = {}) =>
    new ElasticsearchStore({ client, indexPrefix, indexSettings: testIndexSettings, ...options });
}

/**
 * A store made by `make` (with `options`) on a client of its own whose HTTP requests are recorded
 * as `countRequests` records them; `closeClient` closes that client.
 */
export function recordedStore(
  make: (options?: Partial<ElasticsearchStoreOptions>) => ElasticsearchStore,
  options: Partial<ElasticsearchStoreOptions> = {},
): ReturnType<typeof countRequests> & {
  store: ElasticsearchStore;
  closeClient: () => Promise<void>;
} {
  const client = rawClient();
  return {
    ...countRequests(client),
    store: make({ ...options, client }),
    closeClient: () => client.close(),
  };
}
