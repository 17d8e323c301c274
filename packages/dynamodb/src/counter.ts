import {
  type Clock,
  type CounterChange,
  counterValue,
  isExpired,
  type KeyValueErrorOptions,
  type ManagedEntry,
  nextCount,
} from "@kv/protocol";
import type { ConditionalWrites } from "./atomic.ts";
import type { Retrier } from "./retry.ts";

/** One caller's increment, waiting for its key's next compare-and-set. */
interface Waiting {
  change: CounterChange;
  resolve: (count: number) => void;
  reject: (error: unknown) => void;
}

type Outcome = { count: number } | { error: unknown };

/**
 * The increments of one store, by key. A counter lives inside the JSON document py-key-value
 * reads, which DynamoDB cannot add to, so each increment is a compare-and-set: read the item,
 * then write the next document on the condition that the item is still the one read, again from
 * the read when another writer won. While a key's compare-and-set is in flight, the increments
 * arriving for it wait and the next one applies them together, in order: each caller still gets
 * its own count, and concurrent callers in one process do not race each other.
 */
export class CounterBatches {
  private readonly writes: ConditionalWrites;
  private readonly retrier: Retrier;
  private readonly clock: Clock;
  private readonly waiting = new Map<string, Waiting[]>();

  constructor(writes: ConditionalWrites, retrier: Retrier, clock: Clock) {
    this.writes = writes;
    this.retrier = retrier;
    this.clock = clock;
  }

  /**
   * Adds `change.by` to the counter and resolves with the count this caller made.
   * @throws NotACounterError, UpdateConflictError, or the SDK's error
   */
  add(collection: string, key: string, change: CounterChange): Promise<number> {
    const id = JSON.stringify([collection, key]);
    return new Promise((resolve, reject) => {
      const queue = this.waiting.get(id);
      if (queue === undefined) {
        this.waiting.set(id, [{ change, resolve, reject }]);
        queueMicrotask(() => void this.drain(id, collection, key));
      } else {
        queue.push({ change, resolve, reject });
      }
    });
  }

  private async drain(id: string, collection: string, key: string): Promise<void> {
    for (let batch = this.take(id); batch.length > 0; batch = this.take(id)) {
      try {
        const outcomes = await this.commit(collection, key, batch);
        for (const [index, { resolve, reject }] of batch.entries()) {
          const outcome = outcomes[index];
          if (outcome !== undefined && "count" in outcome) resolve(outcome.count);
          else reject(outcome?.error);
        }
      } catch (error) {
        for (const { reject } of batch) reject(error);
      }
    }
  }

  /** The increments waiting for the key, leaving an empty queue, or none when there are none. */
  private take(id: string): Waiting[] {
    const batch = this.waiting.get(id) ?? [];
    if (batch.length === 0) this.waiting.delete(id);
    else this.waiting.set(id, []);
    return batch;
  }

  private commit(collection: string, key: string, batch: readonly Waiting[]): Promise<Outcome[]> {
    const context = { operation: "increment", collection, key } as const;
    return this.retrier.untilWritten(async () => {
      const found = await this.writes.read(collection, key);
      const live = found && !isExpired(found.entry, this.clock.now()) ? found : undefined;
      const { entry, outcomes } = applyAll(live?.entry, batch, context);
      if (entry === undefined) return outcomes;
      const written =
        live === undefined
          ? await this.writes.insert(collection, key, entry)
          : await this.writes.replace(collection, key, entry, live.expected);
      return written ? outcomes : undefined;
    }, context);
  }
}

/**
 * Applies the increments one after another to the live entry (or none), as `MemoryStore` would:
 * the entry to write (`undefined` when every one failed) and each caller's outcome.
 */
function applyAll(
  current: ManagedEntry | undefined,
  batch: readonly Waiting[],
  context: KeyValueErrorOptions,
): { entry: ManagedEntry | undefined; outcomes: Outcome[] } {
  let entry = current;
  let changed = false;
  const outcomes = batch.map(({ change }): Outcome => {
    try {
      const count = nextCount(entry?.value, change.by, context);
      entry = {
        value: counterValue(count),
        createdAt: entry === undefined ? change.now : entry.createdAt,
        expiresAt: entry === undefined || change.refresh ? change.expiresAt : entry.expiresAt,
      };
      changed = true;
      return { count };
    } catch (error) {
      return { error };
    }
  });
  return { entry: changed ? entry : undefined, outcomes };
}
