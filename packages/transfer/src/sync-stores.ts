import type { KeyValue } from "@kv/protocol";
import { batchCopier, copyKeys } from "./copy-store.ts";
import { deleteKeys } from "./delete-keys.ts";
import type { SyncOptions, TransferReport } from "./options.ts";
import { resolveCopySettings } from "./options.ts";
import { need, plannedCollections, Run } from "./run.ts";

/**
 * Makes the destination's collections hold what the source's hold: copies every entry as
 * `copyStore` does, then deletes the destination's keys that the source does not have, one
 * collection at a time. Without `collections` it covers the collections of both stores, so a
 * collection only the destination has is emptied.
 * @returns what was copied and deleted, per collection; after an abort, `resume` lists the
 * collections to sync again
 * @throws MissingCapabilityError when either store cannot enumerate keys (or collections,
 * without `collections`); RangeError, TypeError, InvalidKeyError or InvalidTtlError for bad
 * options (before anything is written); whatever the stores throw
 */
export async function syncStores(
  source: KeyValue,
  destination: KeyValue,
  options: SyncOptions = {},
): Promise<TransferReport> {
  const settings = resolveCopySettings({ ...options, after: undefined });
  need("syncStores", source, "source", "keys");
  need("syncStores", destination, "destination", "keys");
  const collections = await plannedCollections("syncStores", settings, [
    ["source", source],
    ["destination", destination],
  ]);
  const run = new Run(settings, collections);
  const copier = batchCopier(source, destination, settings);
  await run.eachCollection(async (report) => {
    if (!(await copyKeys(run, report, source, copier.copy, settings.batchSize))) return false;
    const extras = async (keys: string[]) => {
      const found = await source.getMany(keys, { collection: report.collection });
      return keys.filter((_, index) => found[index] === undefined);
    };
    return deleteKeys(run, report, destination, settings, extras);
  });
  return run.finish(copier.createdAtPreserved, false);
}
