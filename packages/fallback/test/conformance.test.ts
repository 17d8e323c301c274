import { describeConformance } from "@kv/conformance";
import { FallbackWrapper } from "@kv/fallback";
import { MemoryStore } from "@kv/memory";
import { BaseWrapper, type KeyValue, type Operation, StoreConnectionError } from "@kv/protocol";

/** A primary whose backend is unreachable: every call fails with StoreConnectionError. */
class UnreachableStore extends BaseWrapper {
  constructor(store: KeyValue) {
    super(store);
    this.iterateKeys = () => this.unreachable("keys");
    this.iterateCollections = () => this.unreachable("collections");
  }

  protected override invoke<T>(operation: Operation): Promise<T> {
    return Promise.reject(
      new StoreConnectionError({ operation, cause: new Error("connect ECONNREFUSED") }),
    );
  }

  private async *unreachable(operation: Operation): AsyncGenerator<string> {
    yield* [];
    throw new StoreConnectionError({ operation, cause: new Error("connect ECONNREFUSED") });
  }
}

await describeConformance("FallbackWrapper around two MemoryStores", {
  createStore: () => new FallbackWrapper(new MemoryStore(), new MemoryStore()),
});

await describeConformance("FallbackWrapper with an unreachable primary, writing to the fallback", {
  createStore: (): KeyValue =>
    new FallbackWrapper(new UnreachableStore(new MemoryStore()), new MemoryStore(), {
      writeToFallback: true,
    }),
});
