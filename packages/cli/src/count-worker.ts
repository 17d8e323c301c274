import { parentPort, workerData } from "node:worker_threads";
import { supportsKeys } from "@kv/protocol";
import { openArgument } from "./open-store.ts";

/** What the counting thread is asked to count. */
export interface CountRequest {
  names: readonly string[];
  collections: readonly string[];
}

let stopped = false;
parentPort?.once("message", () => {
  stopped = true;
});

/**
 * The keys of the collections in each store, or undefined when stopped or a store cannot list
 * keys.
 */
async function count({ names, collections }: CountRequest): Promise<number[] | undefined> {
  const counts: number[] = [];
  for (const name of names) {
    const opened = await openArgument(name);
    try {
      if (!supportsKeys(opened.store)) return undefined;
      let keys = 0;
      for (const collection of collections) {
        for await (const _ of opened.store.iterateKeys({ collection })) {
          if (stopped) return undefined;
          keys += 1;
        }
      }
      counts.push(keys);
    } finally {
      await opened.close();
    }
  }
  return counts;
}

const counts = await count(workerData as CountRequest).catch(() => undefined);
parentPort?.postMessage({ counts });
parentPort?.close();
