import { ExitCode } from "./exit-codes.ts";
import type { Output } from "./output.ts";

/**
 * While `work` runs, the first Ctrl-C (SIGINT) aborts the signal it is given, so a transfer stops
 * after its current batch; a second one ends the process at once.
 */
export async function interruptible<T>(
  output: Output,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const onInterrupt = () => {
    if (controller.signal.aborted) process.exit(ExitCode.interrupted);
    output.note("\nstopping after the current batch (Ctrl-C again to quit at once)");
    controller.abort();
  };
  process.on("SIGINT", onInterrupt);
  try {
    return await work(controller.signal);
  } finally {
    process.off("SIGINT", onInterrupt);
  }
}
