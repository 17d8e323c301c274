import { type KeyValue, supportsKeys } from "@kv/protocol";
import type { Progress } from "./progress.ts";

/**
 * Counts the keys of the collections of the stores in the background and gives the total to
 * the progress bar, when it shows one. Call the result to stop counting.
 */
export function countInBackground(
  progress: Progress,
  stores: readonly KeyValue[],
  collections: readonly string[] | undefined,
): () => void {
  let stopped = false;
  if (!progress.wantsTotal || collections === undefined) return () => {};
  const count = async () => {
    let total = 0;
    for (const store of stores) {
      if (!supportsKeys(store)) return;
      for (const collection of collections) {
        for await (const _ of store.iterateKeys({ collection })) {
          if (stopped) return;
          total += 1;
        }
      }
    }
    if (!stopped) progress.setTotal(total);
  };
  count().catch(() => {});
  return () => {
    stopped = true;
  };
}
