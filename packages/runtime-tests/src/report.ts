import { run } from "./vitest.ts";

/** What starts the line of the JSON report that `run.mjs` reads from the runtime's output. */
export const reportMarker = "@kv/runtime-tests report ";

/** Runs every registered test and prints the results as one JSON line after `reportMarker`. */
export async function report(): Promise<void> {
  const results = await run();
  console.log(`${reportMarker}${JSON.stringify(results)}`);
}
