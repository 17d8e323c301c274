import { type Clock, type CounterChange, type CounterOutcome, incrementBySwap } from "@kv/protocol";
import { ItemEntry } from "./atomic.ts";
import type { TableAccess } from "./table.ts";

/**
 * How a batch of increments of one key is committed (for the protocol's `IncrementBatcher`). A
 * counter lives inside the JSON document py-key-value reads, which DynamoDB cannot add to, so
 * the batch is a compare-and-set: read the item, apply the increments in order, then write the
 * next document on the condition that the item is still the one read, again from the read when
 * another writer won, until the deadline of `access`'s retrier.
 */
export function commitIncrements(
  access: TableAccess,
  clock: Clock,
): (
  collection: string,
  key: string,
  changes: readonly CounterChange[],
) => Promise<CounterOutcome[]> {
  return (collection, key, changes) =>
    incrementBySwap(
      new ItemEntry(access, clock, collection, key).swapTarget(),
      changes,
      access.retrier.conflictPacing(),
    );
}
