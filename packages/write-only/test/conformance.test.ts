// WriteOnlyWrapper is not transparent: the suite reads back what it writes. So it runs through a
// test-only view that sends the calls the wrapper refuses (reads, listings and their streams) to
// the store below it, and every other call (writes, deletes, destroy, cull, close) through the
// wrapper: the suite then proves that what the wrapper passes reaches the store unchanged, input
// checks and errors included. What it refuses is specified in write-only-wrapper.test.ts.
import { describeConformance } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import { BaseWrapper, type KeyValue, type Operation } from "@kv/protocol";
import { WriteOnlyWrapper } from "@kv/write-only";
import { reading } from "./operations.ts";

/** Streams bypass `invoke`, so they reach the store below directly, as `this.store`. */
class ReadsAround extends BaseWrapper {
  readonly #wrapper: KeyValue;
  constructor(below: KeyValue) {
    super(below);
    this.#wrapper = new WriteOnlyWrapper(below);
  }
  protected override invoke<T>(operation: Operation, call: (store: KeyValue) => Promise<T>) {
    return call(reading.has(operation) ? this.store : this.#wrapper);
  }
}

await describeConformance("WriteOnlyWrapper around MemoryStore, its refused calls sent around it", {
  createStore: () => new ReadsAround(new MemoryStore()),
});
