import {
  applyIncrements,
  type CounterChange,
  type CounterOutcome,
  UpdateConflictError,
} from "./atomic.ts";
import type { Clock } from "./clock.ts";
import type { Operation } from "./errors.ts";
import { isExpired, type ManagedEntry } from "./managed-entry.ts";

/** What one round of `compareAndSwap` decides from the live entry: a result, or a write and the result it gives once written. */
export type SwapDecision<W, T> = { readonly result: T } | { readonly write: W; readonly result: T };

/**
 * One entry as `compareAndSwap` reads and conditionally writes it. `S` is what a read gives: the
 * entry with whatever a conditional write must name (a version, a CAS unique, a revision ...).
 */
export interface SwapTarget<S extends { readonly entry: ManagedEntry }, W> {
  /** The entry's collection. */
  readonly collection: string;
  /** The entry's key. */
  readonly key: string;
  /** The clock that tells a live entry from an expired one. */
  readonly clock: Clock;
  /** Reads the stored entry (live or expired) with its version; `undefined` when there is none. */
  read(): Promise<S | undefined>;
  /**
   * Writes only while the entry is still `stored` as read, expired or not (for `undefined`: only
   * where there is none). `live` is `stored` when `decide` saw it live, else `undefined`.
   * @returns `true` when written; `false` when another writer got there first; or `{ current }`
   * when the failed write's answer shows the entry as it is now (the next round then decides on
   * it without reading)
   */
  write(
    write: W,
    stored: S | undefined,
    live: S | undefined,
  ): Promise<boolean | { current: S | undefined }>;
}

/** How `compareAndSwap` starts and paces its rounds. */
export interface SwapOptions {
  /** Decide the first round as if the entry were absent, without reading it (for a write that expects a new key). @default false */
  assumeAbsent?: boolean | undefined;
  /** How many rounds to try before giving up. @default 32 */
  attempts?: number | undefined;
  /** The time (epoch ms) after which no pause may end: the call gives up instead. @default none */
  deadline?: number | undefined;
  /** The longest pause after the first lost round, in ms; it doubles each round (full jitter). @default 2 */
  initialBackoffMs?: number | undefined;
  /** The longest pause between two rounds, in ms. @default 100 */
  maxBackoffMs?: number | undefined;
  /** How many lost rounds are followed by the next at once, before the pauses start. @default 0 */
  immediateRetries?: number | undefined;
}

/**
 * A compare-and-swap loop on one entry, for stores whose atomic operations are a read followed by
 * a write conditional on what was read: each round reads the entry, lets `decide` choose from the
 * live one (an expired entry is passed as `undefined`) the write and the result, and writes only
 * while the entry is unchanged; a round that loses to another writer is followed, after a random
 * pause that grows each round, by another. A lost round decided on `assumeAbsent` is no
 * contention: the next round reads at once.
 * @returns the result of the round that wrote, or that decided to write nothing
 * @throws UpdateConflictError (naming `operation`) after `attempts` lost rounds, or when the next
 * pause would end after `deadline`; whatever `target` or `decide` throws
 */
export async function compareAndSwap<S extends { readonly entry: ManagedEntry }, W, T>(
  target: SwapTarget<S, W>,
  operation: Operation,
  decide: (live: S | undefined) => SwapDecision<W, T>,
  options: SwapOptions = {},
): Promise<T> {
  const {
    attempts = 32,
    deadline,
    initialBackoffMs = 2,
    maxBackoffMs = 100,
    immediateRetries = 0,
  } = options;
  let assumed = options.assumeAbsent === true;
  let known = assumed;
  let stored: S | undefined;
  for (let round = 1; ; round++) {
    if (!known) stored = await target.read();
    const live =
      stored === undefined || isExpired(stored.entry, target.clock.now()) ? undefined : stored;
    const decision = decide(live);
    if (!("write" in decision)) return decision.result;
    const outcome = await target.write(decision.write, stored, live);
    if (outcome === true) return decision.result;
    known = outcome !== false;
    if (outcome !== false) stored = outcome.current;
    if (round >= attempts) throw conflict(target, operation, round);
    if (assumed || round <= immediateRetries) {
      assumed = false;
      continue;
    }
    const pause = Math.random() * Math.min(maxBackoffMs, initialBackoffMs * 2 ** (round - 1));
    if (deadline !== undefined && Date.now() + pause > deadline) {
      throw conflict(target, operation, round);
    }
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

function conflict(
  { collection, key }: { collection: string; key: string },
  operation: Operation,
  attempts: number,
): UpdateConflictError {
  return new UpdateConflictError({ attempts, operation, collection, key });
}

/**
 * `putIfAbsent` by `compareAndSwap`: writes `write` where no live entry exists, first on the
 * guess that there is none (without reading), then over an expired entry as read.
 * @returns `false` when a live entry is there
 * @throws UpdateConflictError when other writers keep getting there first; what `target` throws
 */
export function insertBySwap<S extends { readonly entry: ManagedEntry }, W>(
  target: SwapTarget<S, W>,
  write: W,
  options: SwapOptions = {},
): Promise<boolean> {
  return compareAndSwap(
    target,
    "putIfAbsent",
    (live) => (live === undefined ? { write, result: true } : { result: false }),
    { ...options, assumeAbsent: true },
  );
}

/**
 * Commits a batch of increments of one key (an `IncrementBatcher` commit) by `compareAndSwap`:
 * the increments applied in order to the live counter (`applyIncrements`), written when any of
 * them succeeded.
 * @returns each increment's count or error (`NotACounterError`)
 * @throws UpdateConflictError when other writers keep getting there first; what `target` throws
 */
export function incrementBySwap<S extends { readonly entry: ManagedEntry }>(
  target: SwapTarget<S, ManagedEntry>,
  changes: readonly CounterChange[],
  options: SwapOptions = {},
): Promise<CounterOutcome[]> {
  const { collection, key } = target;
  const context = { operation: "increment", collection, key } as const;
  return compareAndSwap(
    target,
    "increment",
    (live) => {
      const { entry, outcomes } = applyIncrements(live?.entry, changes, context);
      return entry === undefined ? { result: outcomes } : { write: entry, result: outcomes };
    },
    options,
  );
}
