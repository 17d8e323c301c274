import type { Client, estypes } from "@elastic/elasticsearch";

/** A search query. */
export type Query = estypes.QueryDslQueryContainer;

/** How long a point in time is kept between two pages. */
const KEEP_ALIVE = "1m";

/** Matches entries that have expired at `now` (epoch milliseconds). */
export function expiredQuery(now: number): Query {
  return { range: { expires_at: { lte: now, format: "epoch_millis" } } };
}

/** Matches entries still live at `now` (epoch milliseconds), including those without expiry. */
export function liveQuery(now: number): Query {
  return { bool: { must_not: [expiredQuery(now)] } };
}

/** What a paged search reads. */
export interface ScanOptions {
  /** The index or pattern searched. */
  index: string;
  /** Which documents. */
  query: Query;
  /** The source fields returned. */
  fields: string[];
  /** Hits per request. */
  pageSize: number;
  /** Returns each hit's `_seq_no` and `_primary_term`, for conditional deletes. */
  withSeqNo?: boolean;
}

/**
 * Yields the hits of a query one page at a time, in bounded memory: a point in time keeps the
 * view stable while `search_after` walks it in index order. The point in time is closed when
 * the caller stops, whether it read everything or not.
 */
export async function* scanHits(
  client: Client,
  options: ScanOptions,
): AsyncGenerator<estypes.SearchHit<unknown>[]> {
  const { index, query, fields, pageSize, withSeqNo = false } = options;
  const opened = await client.openPointInTime({
    index,
    keep_alive: KEEP_ALIVE,
    ignore_unavailable: true,
  });
  let pit = opened.id;
  try {
    let after: estypes.SortResults | undefined;
    for (;;) {
      const response = await client.search<unknown>({
        pit: { id: pit, keep_alive: KEEP_ALIVE },
        size: pageSize,
        sort: [{ _shard_doc: "asc" }],
        track_total_hits: false,
        query,
        _source: fields,
        seq_no_primary_term: withSeqNo,
        ...(after === undefined ? {} : { search_after: after }),
      });
      pit = response.pit_id ?? pit;
      const hits = response.hits.hits;
      if (hits.length > 0) yield hits;
      const last = hits.at(-1);
      if (hits.length < pageSize || last?.sort === undefined) return;
      after = last.sort;
    }
  } finally {
    await client.closePointInTime({ id: pit }).catch(() => undefined);
  }
}

/**
 * Yields the distinct `collection` values of the documents matching a query, one page of a
 * composite aggregation per request.
 */
export async function* scanCollections(
  client: Client,
  index: string,
  query: Query,
  pageSize: number,
): AsyncGenerator<string> {
  let after: Record<string, estypes.FieldValue> | undefined;
  for (;;) {
    const response = await client.search({
      index,
      allow_no_indices: true,
      ignore_unavailable: true,
      size: 0,
      track_total_hits: false,
      query,
      aggs: {
        collections: {
          composite: {
            size: pageSize,
            sources: [{ collection: { terms: { field: "collection" } } }],
            ...(after === undefined ? {} : { after }),
          },
        },
      },
    });
    const aggregate = response.aggregations?.collections as
      | estypes.AggregationsCompositeAggregate
      | undefined;
    const buckets = (aggregate?.buckets ?? []) as estypes.AggregationsCompositeBucket[];
    for (const bucket of buckets) {
      const name = bucket.key.collection;
      if (typeof name === "string") yield name;
    }
    if (aggregate?.after_key === undefined || buckets.length < pageSize) return;
    after = aggregate.after_key;
  }
}
