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

/**
 * Creates an index with the store's mapping unless it exists. An index created by someone else
 * in the meantime counts as created.
 */
export async function ensureIndex(
  client: Client,
  index: string,
  settings: estypes.IndicesIndexSettings,
): Promise<void> {
  try {
    if (await client.indices.exists({ index })) return;
    await client.indices.create({ index, mappings: INDEX_MAPPINGS, settings });
  } catch (error) {
    const type = errorType(error);
    if (type === "resource_already_exists_exception" || type === "index_already_exists_exception")
      return;
    throw error;
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
