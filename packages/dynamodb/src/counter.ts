import {
  applyIncrements,
  type Clock,
  type CounterChange,
  type CounterOutcome,
  isExpired,
} from "@kv/protocol";
import type { ConditionalWrites } from "./atomic.ts";
import type { Retrier } from "./retry.ts";

/**
 * How a batch of increments of one key is committed (for the protocol's `IncrementBatcher`). A
 * counter lives inside the JSON document py-key-value reads, which DynamoDB cannot add to, so
 * the batch is a compare-and-set: read the item, apply the increments in order, then write the
 * next document on the condition that the item is still the one read, again from the read when
 * another writer won, until `retrier` gives up.
 */
export function commitIncrements(
  writes: ConditionalWrites,
  retrier: Retrier,
  clock: Clock,
): (
  collection: string,
  key: string,
  changes: readonly CounterChange[],
) => Promise<CounterOutcome[]> {
  return (collection, key, changes) => {
    const context = { operation: "increment", collection, key } as const;
    return retrier.untilWritten(async () => {
      const found = await writes.read(collection, key);
      const live = found && !isExpired(found.entry, clock.now()) ? found : undefined;
      const { entry, outcomes } = applyIncrements(live?.entry, changes, context);
      if (entry === undefined) return outcomes;
      const written =
        live === undefined
          ? await writes.insert(collection, key, entry)
          : await writes.replace(collection, key, entry, live.expected);
      return written ? outcomes : undefined;
    }, context);
  };
}
