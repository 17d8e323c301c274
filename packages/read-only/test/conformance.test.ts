// ReadOnlyWrapper is not transparent: the suite writes what it then reads. So it runs through a
// test-only view that sends the calls the wrapper refuses (writes, deletes, destroy, cull) to the
// store below it, and every other call (reads, listings, streams, close) through the wrapper: the
// suite then proves that what the wrapper passes comes through unchanged. What it refuses or
// drops is specified in read-only-wrapper.test.ts.
import { describeConformance } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import { BaseWrapper, type KeyValue, type Operation } from "@kv/protocol";
import { ReadOnlyWrapper } from "@kv/read-only";
import { writing } from "./operations.ts";

class WritesAround extends BaseWrapper {
  readonly #below: KeyValue;
  constructor(below: KeyValue) {
    super(new ReadOnlyWrapper(below));
    this.#below = below;
  }
  protected override invoke<T>(operation: Operation, call: (store: KeyValue) => Promise<T>) {
    return call(writing.has(operation) ? this.#below : this.store);
  }
}

await describeConformance("ReadOnlyWrapper around MemoryStore, its refused calls sent around it", {
  createStore: () => new WritesAround(new MemoryStore()),
});
