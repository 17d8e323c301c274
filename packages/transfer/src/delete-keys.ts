import type { KeyEnumeration, KeyValue } from "@kv/protocol";
import type { CollectionReport } from "./options.ts";
import { batches, type Run } from "./run.ts";

/**
 * Deletes keys of one collection of the store, batch by batch with `deleteMany`: every key, or
 * those `select` picks from each batch. A dry run only counts them.
 * @returns false when the signal stopped it
 */
export async function deleteKeys(
  run: Run,
  report: CollectionReport,
  store: KeyValue & KeyEnumeration,
  settings: { readonly batchSize: number; readonly dryRun: boolean },
  select?: (keys: string[]) => Promise<string[]>,
): Promise<boolean> {
  const { collection } = report;
  for await (const batch of batches(store.iterateKeys({ collection }), settings.batchSize)) {
    const doomed = select === undefined ? batch : await select(batch);
    let deleted = doomed.length;
    if (!settings.dryRun && doomed.length > 0) {
      deleted = await store.deleteMany(doomed, { collection });
    }
    const expired = doomed.length - deleted;
    run.batchDone(report, "delete", batch.at(-1) as string, {
      keys: batch.length,
      deleted,
      expired,
    });
    if (run.stopping) return false;
  }
  return true;
}
