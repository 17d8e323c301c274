import {
  type CounterChange,
  counterValue,
  isExpired,
  type ManagedEntry,
  nextCount,
} from "@kv/protocol";
import {
  CONFLICT,
  type EntryRef,
  entrySource,
  readStored,
  retryConflicts,
  writeDocument,
} from "./atomic.ts";
import { documentId } from "./layout.ts";

/** One `increment` call waiting for its batch. */
interface Waiter {
  change: CounterChange;
  resolve: (count: number) => void;
  reject: (error: unknown) => void;
}

/** The outcome of a batch applied to one entry: each waiter's count or error, and the entry. */
interface Plan {
  outcomes: ({ count: number } | { error: unknown })[];
  entry: ManagedEntry | undefined;
  changed: boolean;
}

/**
 * Applies increments as read-then-conditional-write rounds (a realtime get, then an index
 * request with `op_type=create` or `if_seq_no`/`if_primary_term`), retried on conflict. While a
 * round for a key is in flight, further increments of that key from this instance wait and then
 * go together as one round, applied in call order, so concurrent callers of one instance never
 * conflict with each other.
 */
export class CounterBatches {
  private readonly waiting = new Map<string, Waiter[]>();

  /** Adds `change.by` to the counter at `ref`; resolves with this call's new count. */
  add(ref: EntryRef, change: CounterChange): Promise<number> {
    return new Promise((resolve, reject) => {
      const slot = `${ref.index}/${documentId(ref.key)}`;
      const queue = this.waiting.get(slot);
      if (queue !== undefined) {
        queue.push({ change, resolve, reject });
        return;
      }
      this.waiting.set(slot, [{ change, resolve, reject }]);
      void this.drain(slot, ref);
    });
  }

  private async drain(slot: string, ref: EntryRef): Promise<void> {
    for (;;) {
      const batch = this.waiting.get(slot)?.splice(0) ?? [];
      if (batch.length === 0) {
        this.waiting.delete(slot);
        return;
      }
      try {
        const plan = await retryConflicts(ref, "increment", () => applyOnce(ref, batch));
        for (const [position, waiter] of batch.entries()) {
          const outcome = plan.outcomes[position];
          if (outcome !== undefined && "count" in outcome) waiter.resolve(outcome.count);
          else waiter.reject(outcome?.error);
        }
      } catch (error) {
        for (const waiter of batch) waiter.reject(error);
      }
    }
  }
}

/** One round: reads the counter, adds each waiter's change in turn, writes if nobody wrote since. */
async function applyOnce(ref: EntryRef, batch: readonly Waiter[]): Promise<Plan | typeof CONFLICT> {
  const stored = await readStored(ref);
  const live =
    stored === undefined || isExpired(stored.entry, ref.clock.now()) ? undefined : stored;
  const plan = planCounts(ref, live?.entry, batch);
  if (!plan.changed || plan.entry === undefined) return plan;
  const written = await writeDocument(ref, entrySource(ref, plan.entry), stored ?? "absent");
  return written ? plan : CONFLICT;
}

/**
 * Adds the waiters' changes to `current` one after another, as separate calls would: a change
 * that fails (`NotACounterError`) changes nothing and the next one goes on from the same count.
 */
function planCounts(
  ref: EntryRef,
  current: ManagedEntry | undefined,
  batch: readonly Waiter[],
): Plan {
  const context = { operation: "increment", collection: ref.collection, key: ref.key } as const;
  const plan: Plan = { outcomes: [], entry: current, changed: false };
  for (const { change } of batch) {
    try {
      const count = nextCount(plan.entry?.value, change.by, context);
      const created = plan.entry === undefined;
      plan.entry = {
        value: counterValue(count),
        createdAt: created ? change.now : plan.entry?.createdAt,
        expiresAt: created || change.refresh ? change.expiresAt : plan.entry?.expiresAt,
      };
      plan.changed = true;
      plan.outcomes.push({ count });
    } catch (error) {
      plan.outcomes.push({ error });
    }
  }
  return plan;
}
