import type { Client, estypes } from "@elastic/elasticsearch";
import { errorType } from "./errors.ts";
import { INDEX_MAPPINGS } from "./layout.ts";

/** How many index names go into one delete request. */
const NAMES_PER_REQUEST = 50;

/** An index or pattern that may match nothing. */
function lenient(index: string): {
  index: string;
  allow_no_indices: true;
  ignore_unavailable: true;
} {
  return { index, allow_no_indices: true, ignore_unavailable: true };
}

/** How long setup waits for the primary shards of an index someone else created. */
const PRIMARIES_TIMEOUT_MS = 30_000;

/**
 * Creates an index with the store's mapping unless it exists (creating waits for its primary
 * shards). An index that exists already (created by someone else, perhaps a moment ago) counts as
 * set up once its primary shards are active.
 */
export async function ensureIndex(
  client: Client,
  index: string,
  settings: estypes.IndicesIndexSettings,
): Promise<void> {
  try {
    if (!(await client.indices.exists({ index }))) {
      await client.indices.create({ index, mappings: INDEX_MAPPINGS, settings });
      return;
    }
  } catch (error) {
    const type = errorType(error);
    if (type !== "resource_already_exists_exception" && type !== "index_already_exists_exception")
      throw error;
  }
  await waitForPrimaries(client, index);
}

/**
 * Waits until every primary shard of an index is active: until then a realtime get fails with
 * `no_shard_available_action_exception`. Cluster health alone is not enough: it reports a new
 * index yellow while its primaries are still unassigned or initializing.
 * @throws Error when they are not active within `PRIMARIES_TIMEOUT_MS`
 */
async function waitForPrimaries(client: Client, index: string): Promise<void> {
  const deadline = Date.now() + PRIMARIES_TIMEOUT_MS;
  for (;;) {
    const health = await client.cluster.health({
      index,
      level: "indices",
      wait_for_no_initializing_shards: true,
      timeout: "10s",
    });
    const shards = health.indices?.[index];
    if (shards === undefined || shards.active_primary_shards >= shards.number_of_shards) return;
    if (Date.now() > deadline) throw new Error(`The primary shards of ${index} are not active`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Makes every write acknowledged so far visible to searches of an index or pattern. */
export async function refreshIndices(client: Client, index: string): Promise<void> {
  await client.indices.refresh(lenient(index));
}

/** Documents in an index or pattern, after a refresh so unrefreshed writes count. */
export async function countDocuments(client: Client, index: string): Promise<number> {
  await refreshIndices(client, index);
  const { count } = await client.count(lenient(index));
  return count;
}

/**
 * Deletes every index matching a pattern, by name (so it works with
 * `action.destructive_requires_name`), a batch of names per request.
 */
export async function deleteIndices(client: Client, pattern: string): Promise<void> {
  const indices = await client.indices.get({
    ...lenient(pattern),
    features: ["settings"],
    expand_wildcards: ["open", "closed"],
  });
  const names = Object.keys(indices);
  for (let start = 0; start < names.length; start += NAMES_PER_REQUEST) {
    await client.indices.delete({
      index: names.slice(start, start + NAMES_PER_REQUEST),
      ignore_unavailable: true,
    });
  }
}
