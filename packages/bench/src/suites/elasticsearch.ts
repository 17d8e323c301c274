import { Client as ElasticClient } from "@elastic/elasticsearch";
import { ElasticsearchStore } from "@kv/elasticsearch";
import { ownedKvClient } from "../kv-client.ts";
import { writeCalls } from "../raw-writes.ts";
import type { Client, Entry, Suite, Value } from "../types.ts";
import { notAnswering, type Server, versionFacts, withClient } from "./servers.ts";

const RAW = "@elastic/elasticsearch (raw)";
/** Every index the bench creates starts with this; cleanup deletes exactly those. */
const PREFIX = "kvbench";
const RAW_INDEX = `${PREFIX}-raw`;

interface RawDocument {
  value: Value;
  created_at: number;
  expires_at?: number;
}

function elasticUrl(): string {
  return process.env.KV_ELASTICSEARCH_URL ?? "http://127.0.0.1:9201";
}

const server: Server = { name: "Elasticsearch", url: elasticUrl(), service: "elasticsearch" };

function connect(probe = false): ElasticClient {
  return new ElasticClient({
    node: elasticUrl(),
    requestTimeout: probe ? 2000 : 10_000,
    maxRetries: probe ? 0 : 3,
  });
}

function document(value: Value, now: number, ttl?: number): RawDocument {
  return ttl === undefined
    ? { value, created_at: now }
    : { value, created_at: now, expires_at: now + ttl * 1000 };
}

function live(source: RawDocument | undefined, now: number): Value | undefined {
  if (source === undefined) return undefined;
  if (source.expires_at !== undefined && source.expires_at <= now) return undefined;
  return source.value;
}

/**
 * The limit: the raw client with realtime GET/mget, one `_bulk` request, no refresh, and an
 * index mapped like the store's (the value is stored, not indexed).
 */
async function rawClient(): Promise<Client> {
  const client = connect();
  await client.indices.create({
    index: RAW_INDEX,
    mappings: {
      dynamic: false,
      properties: {
        value: { type: "object", enabled: false },
        created_at: { type: "date" },
        expires_at: { type: "date" },
      },
    },
  });
  const put = (key: string, value: Value, ttl?: number) =>
    client.index({ index: RAW_INDEX, id: key, document: document(value, Date.now(), ttl) });
  const bulk = async (entries: readonly Entry[], ttl?: number) => {
    const now = Date.now();
    const operations: unknown[] = [];
    for (const [key, value] of entries) {
      operations.push({ index: { _index: RAW_INDEX, _id: key } }, document(value, now, ttl));
    }
    const response = await client.bulk({ operations });
    if (response.errors) throw new Error("a bulk item failed");
  };
  return {
    get: async (key) => {
      const response = await client.get<RawDocument>(
        { index: RAW_INDEX, id: key },
        { ignore: [404] },
      );
      return live(response.found ? response._source : undefined, Date.now());
    },
    getMany: async (keys) => {
      const response = await client.mget<RawDocument>({ index: RAW_INDEX, ids: [...keys] });
      const now = Date.now();
      return response.docs.map((doc) =>
        "found" in doc && doc.found ? live(doc._source, now) : undefined,
      );
    },
    ...writeCalls(put, bulk),
    close: () => client.close(),
  };
}

async function deleteOwnIndices(): Promise<void> {
  await withClient(connect(), async (client) => {
    const indices = await client.cat.indices({ index: `${PREFIX}*`, format: "json" });
    const names = indices.map(({ index }) => index).filter((name) => name !== undefined);
    if (names.length > 0) await client.indices.delete({ index: names });
  });
}

async function unavailable(): Promise<string | undefined> {
  const answers = await withClient(connect(true), (client) =>
    client.cluster.health({ timeout: "2s" }).then(
      () => true,
      () => false,
    ),
  );
  if (!answers) return notAnswering(server);
  await deleteOwnIndices();
  return undefined;
}

/** Elasticsearch stores against the raw client, in indices of the bench's own. */
export function elasticsearchSuite(): Suite {
  return {
    id: "elasticsearch",
    title: "Elasticsearch",
    baseline: RAW,
    unavailable,
    environment: versionFacts(server, () =>
      withClient(connect(), async (client) => {
        // The cluster runner on loopback answers no `GET /`; the node info carries the version.
        const info = await client.nodes.info({ node_id: "_local" });
        const [node] = Object.values(info.nodes);
        return node?.version ?? "unknown";
      }),
    ),
    cleanup: deleteOwnIndices,
    subjects: [
      {
        name: RAW,
        role: "baseline",
        description:
          "index/get, mget, one _bulk; refresh: false; value stored but not indexed (as the store maps it)",
        packages: ["@elastic/elasticsearch"],
        open: rawClient,
      },
      {
        name: "@kv/elasticsearch",
        role: "kv",
        description:
          "ElasticsearchStore({ url }) with its defaults: writes do not wait for an index refresh (listings refresh first)",
        packages: ["@kv/elasticsearch", "@elastic/elasticsearch"],
        open: async () =>
          ownedKvClient(
            new ElasticsearchStore({
              url: elasticUrl(),
              indexPrefix: `${PREFIX}-kv`,
              defaultCollection: "kv",
            }),
          ),
      },
    ],
  };
}
