import type { Client, estypes } from "@elastic/elasticsearch";
import { type ManagedEntry, StoreError } from "@kv/protocol";
import { type BulkItemFailure, bulkWriteError } from "./errors.ts";
import { documentId, fromSource, keyOfHit, toSource } from "./layout.ts";

/** When a write becomes visible to searches: the `refresh` parameter of every write. */
export type Refresh = "wait_for" | boolean;

type BulkItem = Partial<Record<estypes.BulkOperationType, estypes.BulkResponseItem>>;

/**
 * The refused items of a `_bulk` response. `keys[i]` is the key of item `i`; statuses in
 * `accepted` (such as 404 for deleting a missing document) are not failures.
 */
function bulkFailures(
  items: readonly BulkItem[],
  keys: readonly (string | undefined)[],
  accepted: readonly number[] = [],
): BulkItemFailure[] {
  const failures: BulkItemFailure[] = [];
  for (const [index, item] of items.entries()) {
    const result = Object.values(item)[0];
    if (result?.error === undefined || accepted.includes(result.status)) continue;
    failures.push({
      key: keys[index],
      id: result._id ?? undefined,
      status: result.status,
      type: result.error.type,
      reason: result.error.reason ?? undefined,
    });
  }
  return failures;
}

/**
 * Reads entries of one collection with one `mget` request, in the order of `keys`; a missing
 * index reads as missing entries.
 * @throws StoreError for a document Elasticsearch could not read
 */
export async function bulkGet(
  client: Client,
  index: string,
  collection: string,
  keys: readonly string[],
): Promise<(ManagedEntry | undefined)[]> {
  const { docs } = await client.mget<unknown>({ index, ids: keys.map(documentId) });
  return docs.map((doc, position) => {
    if ("error" in doc) {
      if (doc.error.type === "index_not_found_exception") return undefined;
      throw new StoreError({
        message: doc.error.reason ?? doc.error.type,
        cause: doc.error,
        collection,
        key: keys[position],
      });
    }
    return doc.found ? fromSource(doc._source) : undefined;
  });
}

/**
 * Writes entries of one collection with one `_bulk` request.
 * @throws BulkWriteError naming the keys Elasticsearch refused (the others are written)
 */
export async function bulkPut(
  client: Client,
  index: string,
  collection: string,
  entries: readonly (readonly [string, ManagedEntry])[],
  refresh: Refresh,
): Promise<void> {
  const operations: (estypes.BulkOperationContainer | object)[] = [];
  for (const [key, entry] of entries) {
    operations.push({ index: { _index: index, _id: documentId(key) } });
    operations.push(toSource(collection, key, entry));
  }
  const response = await client.bulk({ operations, refresh });
  if (!response.errors) return;
  const failures = bulkFailures(
    response.items,
    entries.map(([key]) => key),
  );
  throw bulkWriteError(failures, { operation: "putMany", collection });
}

/**
 * Deletes keys of one collection with one `_bulk` request; returns how many existed.
 * @throws BulkWriteError naming the keys Elasticsearch refused (the others are deleted)
 */
export async function bulkDelete(
  client: Client,
  index: string,
  collection: string,
  keys: readonly string[],
  refresh: Refresh,
): Promise<number> {
  const response = await client.bulk({
    operations: keys.map((key) => ({ delete: { _index: index, _id: documentId(key) } })),
    refresh,
  });
  const failures = bulkFailures(response.items, keys, [404]);
  if (failures.length > 0) throw bulkWriteError(failures, { operation: "deleteMany", collection });
  return response.items.filter((item) => item.delete?.result === "deleted").length;
}

/**
 * Deletes search hits with one `_bulk` request, each only if the document is still the version
 * the search saw (a document rewritten since is left alone), without waiting for a refresh.
 * @throws BulkWriteError naming the keys Elasticsearch refused
 */
export async function bulkDeleteUnchanged(
  client: Client,
  hits: readonly estypes.SearchHit<unknown>[],
): Promise<void> {
  const response = await client.bulk({
    operations: hits.map((hit) => ({
      delete: {
        _index: hit._index,
        _id: hit._id,
        if_seq_no: hit._seq_no,
        if_primary_term: hit._primary_term,
      },
    })),
  });
  const failures = bulkFailures(response.items, hits.map(keyOfHit), [404, 409]);
  if (failures.length > 0) throw bulkWriteError(failures, { operation: "cull" });
}
