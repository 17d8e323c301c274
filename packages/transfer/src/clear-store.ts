import type { KeyValue } from "@kv/protocol";
import { deleteKeys } from "./delete-keys.ts";
import type { ClearOptions, TransferReport } from "./options.ts";
import { resolveSettings } from "./options.ts";
import { need, plannedCollections, Run } from "./run.ts";

/**
 * Deletes every entry of the store's collections (or of `collections`), with one `deleteMany`
 * per batch of enumerated keys, so it counts what it deletes, reports progress, can be stopped
 * and can be dry-run. Other data in a shared backend is never touched.
 * @returns what was deleted, per collection; after an abort, `resume` lists the collections
 * not yet cleared
 * @throws MissingCapabilityError when the store cannot enumerate keys (or collections, without
 * `collections`); RangeError, TypeError or InvalidKeyError for bad options; whatever the store
 * throws
 */
export async function clearStore(
  store: KeyValue,
  options: ClearOptions = {},
): Promise<TransferReport> {
  const settings = resolveSettings(options);
  need("clearStore", store, "store", "keys");
  const collections = await plannedCollections("clearStore", settings, [["store", store]]);
  const run = new Run(settings, collections);
  await run.eachCollection((report) => deleteKeys(run, report, store, settings));
  return run.finish(false, false);
}
