import { once } from "node:events";
import { Worker } from "node:worker_threads";
import type { CountRequest } from "./count-worker.ts";
import type { Progress } from "./progress.ts";

/** The counting thread's script: `count-worker.mjs` beside the built code. */
const workerScript = new URL("./count-worker.mjs", import.meta.url);

/**
 * Counts the keys of the collections in the stores the arguments name and gives the total the
 * work will go through (`total` makes it from the counts per store) to the progress bar (only when it shows one: the count costs one more listing of the keys). The count
 * runs in a thread of its own, with its own connections, so it neither waits behind the work's
 * batches nor slows them down on the main thread. Call the result (once or more) to stop counting;
 * it resolves once the thread has ended.
 */
export function countInBackground(
  progress: Progress,
  names: readonly string[],
  collections: readonly string[] | undefined,
  total: (counts: readonly number[]) => number = ([count]) => count ?? 0,
): () => Promise<void> {
  if (!progress.wantsTotal || collections === undefined) return async () => {};
  const request: CountRequest = { names, collections };
  let worker: Worker;
  try {
    worker = new Worker(workerScript, { workerData: request });
  } catch {
    return async () => {};
  }
  worker.on("message", ({ counts }: { counts: number[] | undefined }) => {
    if (counts !== undefined) progress.setTotal(total(counts));
  });
  worker.on("error", () => {});
  const exited = once(worker, "exit").catch(() => {});
  let stopping: Promise<void> | undefined;
  const stop = async () => {
    worker.postMessage("stop");
    const timeout = setTimeout(() => void worker.terminate(), 2000);
    await exited;
    clearTimeout(timeout);
  };
  return () => {
    stopping ??= stop();
    return stopping;
  };
}
