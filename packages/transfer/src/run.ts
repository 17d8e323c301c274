import { type Capabilities, type Capability, type KeyValue, supports } from "@kv/protocol";
import { MissingCapabilityError, type StoreRole, type TransferUtility } from "./errors.ts";
import type { CollectionReport, Settings, TransferReport } from "./options.ts";

/**
 * Throws unless the store offers the capability.
 * @throws MissingCapabilityError
 */
export function need<S extends KeyValue, C extends Capability>(
  utility: TransferUtility,
  store: S,
  role: StoreRole,
  capability: C,
): asserts store is S & Capabilities[C] {
  if (supports(store, capability)) return;
  const name = (store as { constructor?: { name?: unknown } }).constructor?.name;
  const storeName = typeof name === "string" && name !== "" ? name : "store";
  throw new MissingCapabilityError({ utility, capability, store: storeName, role });
}

/**
 * The collections a transfer works on: the `collections` option, else every collection of the
 * stores, first store first, without repeats (each store must then enumerate collections).
 * @throws MissingCapabilityError
 */
export async function plannedCollections(
  utility: TransferUtility,
  settings: Settings,
  stores: readonly (readonly [role: StoreRole, store: KeyValue])[],
): Promise<readonly string[]> {
  if (settings.collections !== undefined) return settings.collections;
  for (const [role, store] of stores) need(utility, store, role, "collections");
  const names = new Set<string>();
  for (const [, store] of stores) {
    if (!supports(store, "collections")) continue;
    for await (const name of store.iterateCollections()) names.add(name);
  }
  return [...names];
}

/** Groups the keys of an async iterable into arrays of up to `size` distinct keys. */
export async function* batches(
  keys: AsyncIterable<string>,
  size: number,
): AsyncGenerator<string[], void, undefined> {
  let batch = new Set<string>();
  for await (const key of keys) {
    batch.add(key);
    if (batch.size >= size) {
      yield [...batch];
      batch = new Set();
    }
  }
  if (batch.size > 0) yield [...batch];
}

/** The counts of one transfer, its progress reports and its final report. */
export class Run {
  readonly #settings: Settings;
  readonly #planned: readonly string[];
  readonly #reports: CollectionReport[] = [];
  readonly #started = performance.now();
  #copied = 0;
  #deleted = 0;
  #bytes = 0;
  #keys = 0;

  constructor(settings: Settings, planned: readonly string[]) {
    this.#settings = settings;
    this.#planned = planned;
  }

  /** True once the signal asked to stop. */
  get stopping(): boolean {
    return this.#settings.signal?.aborted === true;
  }

  /** Starts the report of a collection. */
  begin(collection: string, lastKey?: string): CollectionReport {
    const report: CollectionReport = {
      collection,
      copied: 0,
      deleted: 0,
      bytes: 0,
      expired: 0,
      skipped: 0,
      lastKey,
      complete: false,
    };
    this.#reports.push(report);
    return report;
  }

  /**
   * Runs `step` on each planned collection in turn, with its report begun (its `lastKey` from
   * `after`), and marks the collection complete when `step` returns true. Stops when the signal
   * aborts between collections, or when `step` returns false (the signal stopped it inside one).
   */
  async eachCollection(
    step: (report: CollectionReport) => Promise<boolean>,
    after?: ReadonlyMap<string, string>,
  ): Promise<void> {
    for (const collection of this.#planned) {
      if (this.stopping) return;
      const report = this.begin(collection, after?.get(collection));
      if (!(await step(report))) return;
      report.complete = true;
    }
  }

  /** Records a finished batch and tells `onProgress`. */
  batchDone(
    report: CollectionReport,
    phase: "copy" | "delete",
    lastKey: string,
    done: { keys: number; copied?: number; deleted?: number; bytes?: number; expired?: number },
  ): void {
    const { keys, copied = 0, deleted = 0, bytes = 0, expired = 0 } = done;
    report.copied += copied;
    report.deleted += deleted;
    report.bytes += bytes;
    report.expired += expired;
    if (phase === "copy") report.lastKey = lastKey;
    this.#copied += copied;
    this.#deleted += deleted;
    this.#bytes += bytes;
    this.#keys += keys;
    const onProgress = this.#settings.onProgress;
    if (onProgress === undefined) return;
    const elapsedMs = performance.now() - this.#started;
    const entries = this.#copied + this.#deleted;
    const perSecond = (count: number) => (elapsedMs > 0 ? (count * 1000) / elapsedMs : 0);
    onProgress({
      phase,
      collection: report.collection,
      lastKey,
      entries,
      copied: this.#copied,
      deleted: this.#deleted,
      keys: this.#keys + this.#reports.reduce((sum, each) => sum + each.skipped, 0),
      bytes: this.#bytes,
      elapsedMs,
      entriesPerSecond: perSecond(entries),
      bytesPerSecond: perSecond(this.#bytes),
    });
  }

  /**
   * The final report. `resumeAfterKey`: the report's `resume` names the key to resume after
   * (a copy can resume inside a collection; a sync or clear redoes the collection).
   */
  finish(createdAtPreserved: boolean, resumeAfterKey: boolean): TransferReport {
    const total = (field: "copied" | "deleted" | "bytes" | "expired" | "skipped") =>
      this.#reports.reduce((sum, report) => sum + report[field], 0);
    const finished = new Set(
      this.#reports.filter((report) => report.complete).map((report) => report.collection),
    );
    const aborted = finished.size < this.#planned.length;
    let resume: TransferReport["resume"];
    if (aborted) {
      const stopped = this.#reports.find((report) => !report.complete);
      resume = {
        collections: this.#planned.filter((collection) => !finished.has(collection)),
        after:
          !resumeAfterKey || stopped?.lastKey === undefined
            ? {}
            : { [stopped.collection]: stopped.lastKey },
      };
    }
    return {
      collections: this.#reports,
      copied: total("copied"),
      deleted: total("deleted"),
      bytes: total("bytes"),
      expired: total("expired"),
      skipped: total("skipped"),
      elapsedMs: performance.now() - this.#started,
      dryRun: this.#settings.dryRun,
      createdAtPreserved,
      aborted,
      resume,
    };
  }
}
