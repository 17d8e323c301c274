import { batches, type KeyValue, supportsKeys } from "@kv/protocol";
import { need } from "../capability.ts";
import type { CommandContext } from "../context.ts";
import { countInBackground } from "../count-keys.ts";
import { ExitCode } from "../exit-codes.ts";
import { expiredCounts } from "../expired-counts.ts";
import { interruptible } from "../interrupt.ts";
import { positiveInteger } from "../numbers.ts";
import { formatBytes, formatCount } from "../output.ts";
import { createProgress, type Progress } from "../progress.ts";
import { withStores } from "../with-stores.ts";

/** Options of stats. */
export interface StatsCommandOptions {
  collection?: string[] | undefined;
  batch?: string | undefined;
}

/** What stats found in one collection. */
export interface CollectionStats {
  collection: string;
  /** Live entries. */
  entries: number;
  /** Expired entries the backend still holds, or "unknown" where it cannot tell. */
  expired: number | "unknown";
  /** Bytes of the live values, serialized (UTF-8 of their JSON). */
  bytes: number;
}

interface Tally {
  keys: number;
  entries: number;
}

/** Reads one collection batch by batch: its live entries and the bytes of their values. */
async function measure(
  store: KeyValue,
  collection: string,
  batchSize: number,
  signal: AbortSignal,
  progress: Progress,
  tally: Tally,
): Promise<{ entries: number; bytes: number; complete: boolean }> {
  if (!supportsKeys(store)) return { entries: 0, bytes: 0, complete: true };
  let entries = 0;
  let bytes = 0;
  for await (const batch of batches(store.iterateKeys({ collection }), batchSize)) {
    const values = await store.getMany(batch, { collection });
    for (const value of values) {
      if (value === undefined) continue;
      entries += 1;
      bytes += Buffer.byteLength(JSON.stringify(value));
    }
    tally.keys += batch.length;
    tally.entries += values.filter((value) => value !== undefined).length;
    progress.update({ keys: tally.keys, entries: tally.entries, collection });
    if (signal.aborted) return { entries, bytes, complete: false };
  }
  return { entries, bytes, complete: true };
}

/**
 * `kv stats URL`: entries and value bytes per collection, and the expired entries not yet
 * culled where the backend can tell.
 */
export async function stats(
  url: string,
  options: StatsCommandOptions,
  context: CommandContext,
): Promise<ExitCode> {
  const { output } = context;
  const batchSize = options.batch === undefined ? 1000 : positiveInteger(options.batch, "--batch");
  return await withStores([url], async (store) => {
    need("stats", store, "keys", "list keys");
    let collections = options.collection;
    if (collections === undefined) {
      need("stats", store, "collections", "list collections (or name them with --collection)");
      collections = [];
      for await (const name of store.iterateCollections()) collections.push(name);
    }
    const expired = expiredCounts(url);
    const progress = createProgress(output, context.progress, "measuring");
    const stopCounting = countInBackground(progress, [url], collections);
    const found: CollectionStats[] = [];
    let interrupted = false;
    try {
      await interruptible(output, async (signal) => {
        const tally = { keys: 0, entries: 0 };
        for (const collection of collections) {
          const measured = await measure(store, collection, batchSize, signal, progress, tally);
          if (!measured.complete) {
            interrupted = true;
            return;
          }
          found.push({
            collection,
            entries: measured.entries,
            expired: expired === undefined ? "unknown" : (expired.get(collection) ?? 0),
            bytes: measured.bytes,
          });
        }
      });
    } finally {
      await stopCounting();
      progress.stop();
    }
    if (output.json) {
      for (const each of found) await output.record(each);
    } else {
      const sum = (field: "entries" | "bytes") =>
        found.reduce((total, each) => total + each[field], 0);
      const expiredTotal: number | "unknown" = found.some((each) => each.expired === "unknown")
        ? "unknown"
        : found.reduce((total, each) => total + (each.expired as number), 0);
      const total = { entries: sum("entries"), bytes: sum("bytes"), expired: expiredTotal };
      const show = (count: number | "unknown") =>
        count === "unknown" ? "unknown" : formatCount(count);
      await output.table(
        [
          { title: "collection" },
          { title: "entries", numeric: true },
          { title: "expired, not culled", numeric: true },
          { title: "value bytes", numeric: true },
        ],
        [
          ...found.map((each) => [
            each.collection,
            formatCount(each.entries),
            show(each.expired),
            formatBytes(each.bytes),
          ]),
          ["total", formatCount(total.entries), show(total.expired), formatBytes(total.bytes)],
        ],
      );
    }
    if (interrupted) {
      output.note(`interrupted: ${found.length} of ${collections.length} collections measured`);
      return ExitCode.interrupted;
    }
    return ExitCode.ok;
  });
}
