import {
  applyIncrements,
  type CounterChange,
  type CounterOutcome,
  compareAndSwap,
} from "@kv/protocol";
import { documentSwap, type EntryRef, entrySource } from "./atomic.ts";

/**
 * Commits a batch of increments of one key (for the protocol's `IncrementBatcher`) as
 * read-then-conditional-write rounds: a realtime get, the increments applied in order, then an
 * index request with `op_type=create` or `if_seq_no`/`if_primary_term`, retried on conflict.
 */
export function commitIncrements(
  ref: EntryRef,
  changes: readonly CounterChange[],
): Promise<CounterOutcome[]> {
  const context = { operation: "increment", collection: ref.collection, key: ref.key } as const;
  return compareAndSwap(documentSwap(ref), "increment", (live) => {
    const { entry, outcomes } = applyIncrements(live?.entry, changes, context);
    return entry === undefined
      ? { result: outcomes }
      : { write: entrySource(ref, entry), result: outcomes };
  });
}
