import type { Entry, KeyEnumeration, KeyValue, ManagedEntry, Value } from "@kv/protocol";
import { type EntryAccess, supportsEntries } from "@kv/protocol";
import { ResumeKeyNotFoundError } from "./errors.ts";
import type { CollectionReport, CopyOptions, CopySettings, TransferReport } from "./options.ts";
import { resolveCopySettings } from "./options.ts";
import { batches, need, plannedCollections, Run } from "./run.ts";

/** What copying one batch did. */
interface BatchResult {
  copied: number;
  bytes: number;
  expired: number;
}

/** Reads one batch of keys of a collection, and gives the call that writes what it read. */
export type BatchCopier = (
  collection: string,
  keys: readonly string[],
) => Promise<() => Promise<BatchResult>>;

/**
 * Copies every entry of the source's collections to the destination, batch by batch in bounded
 * memory: keys from `iterateKeys`, values read with one bulk call per batch and written with bulk
 * calls. With `ttl: "preserve"` each copy keeps its remaining TTL (see `ttlPrecisionMs`); when
 * both stores offer `EntryAccess`, copies also keep `createdAt` and their exact expiry. Existing
 * entries of the destination with the same keys are replaced; others are left alone.
 * @returns what was copied, per collection; after an abort, `resume` says where to continue
 * @throws MissingCapabilityError when the source cannot enumerate keys (or collections, without
 * `collections`); ResumeKeyNotFoundError when an `after` key is not in the source; RangeError,
 * TypeError, InvalidKeyError or InvalidTtlError for bad options (before anything is copied);
 * whatever the stores throw (the copy stops there: `onProgress` has told how far it got)
 */
export async function copyStore(
  source: KeyValue,
  destination: KeyValue,
  options: CopyOptions = {},
): Promise<TransferReport> {
  const settings = resolveCopySettings(options);
  need("copyStore", source, "source", "keys");
  const collections = await plannedCollections("copyStore", settings, [["source", source]]);
  for (const [collection, key] of settings.after) {
    const [value] = await source.ttl(key, { collection });
    if (value === undefined) throw new ResumeKeyNotFoundError({ collection, key });
  }
  const run = new Run(settings, collections);
  const copier = batchCopier(source, destination, settings);
  await run.eachCollection((report) => {
    const after = settings.after.get(report.collection);
    return copyKeys(run, report, source, copier.copy, settings.batchSize, after);
  }, settings.after);
  return run.finish(copier.createdAtPreserved, true);
}

/**
 * Copies the keys of one collection (after `after`, when given), batch by batch.
 * @returns false when the signal stopped it
 * @throws ResumeKeyNotFoundError when `after` never came up
 */
export async function copyKeys(
  run: Run,
  report: CollectionReport,
  source: KeyValue & KeyEnumeration,
  copy: BatchCopier,
  batchSize: number,
  after?: string,
): Promise<boolean> {
  const { collection } = report;
  let keys = source.iterateKeys({ collection });
  if (after !== undefined) keys = skipThrough(keys, after, report);
  // Each batch is read while the one before it is written; nothing is left running afterwards.
  let previous:
    | { lastKey: string; keys: number; read: Promise<() => Promise<BatchResult>> }
    | undefined;
  const write = async ({ lastKey, keys, read }: NonNullable<typeof previous>) =>
    run.batchDone(report, "copy", lastKey, { keys, ...(await (await read)()) });
  try {
    for await (const batch of batches(keys, batchSize)) {
      const current = {
        lastKey: batch.at(-1) as string,
        keys: batch.length,
        read: copy(collection, batch),
      };
      current.read.catch(noop); // its failure is thrown when its turn comes
      const before = previous;
      previous = current;
      if (before === undefined) continue;
      await write(before);
      if (run.stopping) return false;
    }
    const last = previous;
    previous = undefined;
    if (last !== undefined) await write(last);
    return true;
  } finally {
    await previous?.read.then(noop, noop);
  }
}

/** Skips the keys up to and including `after`, counting them in the report. */
async function* skipThrough(
  keys: AsyncIterable<string>,
  after: string,
  report: CollectionReport,
): AsyncGenerator<string, void, undefined> {
  let skipping = true;
  for await (const key of keys) {
    if (!skipping) {
      yield key;
      continue;
    }
    report.skipped += 1;
    if (key === after) skipping = false;
  }
  if (skipping) throw new ResumeKeyNotFoundError({ collection: report.collection, key: after });
}

/** How batches are copied between two stores: whole entries when both can, values otherwise. */
export function batchCopier(
  source: KeyValue,
  destination: KeyValue,
  settings: CopySettings,
): { copy: BatchCopier; createdAtPreserved: boolean } {
  if (supportsEntries(source) && supportsEntries(destination)) {
    return { copy: entryCopier(source, destination, settings), createdAtPreserved: true };
  }
  const copy =
    settings.ttl === "preserve"
      ? ttlCopier(source, destination, settings)
      : valueCopier(source, destination, settings);
  return { copy, createdAtPreserved: false };
}

/** Copies values with one TTL for all (`"drop"`: none, or a fixed number of seconds). */
function valueCopier(source: KeyValue, destination: KeyValue, settings: CopySettings): BatchCopier {
  const ttl = typeof settings.ttl === "number" ? settings.ttl : undefined;
  return async (collection, keys) => {
    const values = await source.getMany(keys, { collection });
    const entries: Entry[] = [];
    let bytes = 0;
    for (let index = 0; index < keys.length; index++) {
      const value = values[index];
      if (value === undefined) continue;
      entries.push([keys[index] as string, value]);
      bytes += byteLength(value);
    }
    return async () => {
      if (!settings.dryRun && entries.length > 0) {
        await destination.putMany(entries, { collection, ttl });
      }
      return { copied: entries.length, bytes, expired: keys.length - entries.length };
    };
  };
}

/**
 * Copies values with their remaining TTLs. Expiries are taken on the local monotonic clock when
 * read and turned back into TTLs just before each write, so the time the copy takes is not
 * added; entries whose expiries share a window of `ttlPrecisionMs` share one `putMany`.
 */
function ttlCopier(source: KeyValue, destination: KeyValue, settings: CopySettings): BatchCopier {
  const precision = settings.ttlPrecisionMs;
  return async (collection, keys) => {
    const read = await source.ttlMany(keys, { collection });
    const readAt = performance.now();
    const groups = new Map<number, Entry[]>();
    let expired = 0;
    for (let index = 0; index < keys.length; index++) {
      const [value, ttl] = read[index] ?? [];
      if (value === undefined) {
        expired += 1;
        continue;
      }
      let expiry = Number.POSITIVE_INFINITY;
      if (ttl !== undefined) {
        const at = readAt + ttl * 1000;
        expiry = precision > 0 ? Math.floor(at / precision) * precision : at;
      }
      const group = groups.get(expiry);
      if (group === undefined) groups.set(expiry, [[keys[index] as string, value]]);
      else group.push([keys[index] as string, value]);
    }
    return async () => {
      let copied = 0;
      let bytes = 0;
      const writes: Promise<void>[] = [];
      for (const [expiry, entries] of groups) {
        const ttlMs = expiry - performance.now();
        if (ttlMs <= 0) {
          expired += entries.length;
          continue;
        }
        copied += entries.length;
        for (const [, value] of entries) bytes += byteLength(value);
        if (settings.dryRun) continue;
        const ttl = expiry === Number.POSITIVE_INFINITY ? undefined : ttlMs / 1000;
        writes.push(destination.putMany(entries, { collection, ttl }));
      }
      await settleAll(writes);
      return { copied, bytes, expired };
    };
  };
}

/**
 * Copies whole managed entries, keeping `createdAt` and the exact expiry (an entry that expires
 * between the read and the write is then expired in the destination too).
 */
function entryCopier(
  source: EntryAccess,
  destination: EntryAccess,
  settings: CopySettings,
): BatchCopier {
  const { ttl } = settings;
  return async (collection, keys) => {
    const read = await source.readEntries(keys, { collection });
    return async () => {
      const now = Date.now();
      const entries: (readonly [string, ManagedEntry])[] = [];
      let bytes = 0;
      for (let index = 0; index < keys.length; index++) {
        const entry = read[index];
        if (entry === undefined) continue;
        let expiresAt = entry.expiresAt;
        if (ttl === "drop") expiresAt = undefined;
        else if (typeof ttl === "number") expiresAt = now + ttl * 1000;
        entries.push([keys[index] as string, { ...entry, expiresAt }]);
        bytes += byteLength(entry.value);
      }
      if (!settings.dryRun && entries.length > 0) {
        await destination.writeEntries(entries, { collection });
      }
      return { copied: entries.length, bytes, expired: keys.length - entries.length };
    };
  };
}

/** Waits for every write, then throws the first failure (so none is still running). */
async function settleAll(writes: readonly Promise<void>[]): Promise<void> {
  if (writes.length === 1) return writes[0];
  for (const outcome of await Promise.allSettled(writes)) {
    if (outcome.status === "rejected") throw outcome.reason;
  }
}

/** The size of a value as stored: the UTF-8 bytes of its JSON. */
function byteLength(value: Value): number {
  return Buffer.byteLength(JSON.stringify(value));
}

function noop(): void {}
