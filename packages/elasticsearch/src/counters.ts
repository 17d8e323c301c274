import { applyIncrements, type CounterChange, type CounterOutcome, isExpired } from "@kv/protocol";
import {
  CONFLICT,
  type EntryRef,
  entrySource,
  readStored,
  retryConflicts,
  writeDocument,
} from "./atomic.ts";

/**
 * Commits a batch of increments of one key (for the protocol's `IncrementBatcher`) as
 * read-then-conditional-write rounds: a realtime get, the increments applied in order, then an
 * index request with `op_type=create` or `if_seq_no`/`if_primary_term`, retried on conflict.
 */
export function commitIncrements(
  ref: EntryRef,
  changes: readonly CounterChange[],
): Promise<CounterOutcome[]> {
  return retryConflicts(ref, "increment", async () => {
    const stored = await readStored(ref);
    const live =
      stored === undefined || isExpired(stored.entry, ref.clock.now()) ? undefined : stored;
    const context = { operation: "increment", collection: ref.collection, key: ref.key } as const;
    const { entry, outcomes } = applyIncrements(live?.entry, changes, context);
    if (entry === undefined) return outcomes;
    const written = await writeDocument(ref, entrySource(ref, entry), stored ?? "absent");
    return written ? outcomes : CONFLICT;
  });
}
