import { type KeyValue, supportsClose, supportsDestroyCollection } from "@kv/protocol";

/** How the suite is told about the store under test. */
export interface ConformanceOptions {
  /** Makes a fresh store; called once per test. */
  createStore: () => KeyValue | Promise<KeyValue>;
  /**
   * The finest TTL the backend keeps: `"ms"` (the default) or `"s"` for backends that store whole
   * seconds. It widens the tolerance of TTL read-back and lengthens expiry waits; it skips nothing.
   */
  ttlPrecision?: "ms" | "s" | undefined;
  /** Waits until earlier writes are visible to reads, for eventually consistent backends. */
  settle?: (() => Promise<void>) | undefined;
  /**
   * Runs after each test, before the store is closed. The suite already destroys the collections
   * it used when the store can. Note that the suite calls `destroy()` on stores that offer it, so
   * `createStore` must give each store a namespace (database, prefix, table) of its own.
   */
  cleanup?: ((store: KeyValue) => Promise<void>) | undefined;
  /**
   * Opens a second store on the same data as `store` (its own connection or handle), so the
   * atomic operations are tested between two instances as two workers would use them. Without
   * it the concurrency tests run on `store` alone: right for a store whose data lives in its
   * instance (memory). The suite closes what it returns.
   */
  createPeer?: ((store: KeyValue) => KeyValue | Promise<KeyValue>) | undefined;
  /**
   * The backend answers the calls of one store in the order they were made (one connection that
   * answers in order, or a synchronous backend), so a `get` made before a write in the same turn
   * reads what was there before. Adds the tests of that order; leave it out for a pool of
   * connections or a thread pool, where concurrent calls may finish in any order.
   */
  answersInOrder?: boolean | undefined;
}

/** What each test group uses: the current store, fresh collection names, and timing helpers. */
export interface SuiteContext {
  /** The store of the running test. */
  readonly store: KeyValue;
  /** A collection name no other test uses; destroyed after the test when the store can. */
  collection(label?: string): string;
  /** A key no other test uses, for tests on the default collection. */
  uniqueKey(label?: string): string;
  /** Waits until earlier writes are visible (a no-op unless the store needs it). */
  settle(): Promise<void>;
  /** The TTL precision the store declared. */
  readonly ttlPrecision: "ms" | "s";
  /** Whether the store declared that it answers calls in the order they were made. */
  readonly answersInOrder: boolean;
  /** Records a collection name used by the test (for cleanup). */
  track(collection: string): void;
  /** A second store on the same data as `store` (see `createPeer`), closed after the test. */
  peer(): Promise<KeyValue>;
}

/** Builds the per-test context and its lifecycle hooks. */
export function createSuiteContext(options: ConformanceOptions): {
  context: SuiteContext;
  setUp: () => Promise<void>;
  tearDown: () => Promise<void>;
} {
  let current: KeyValue | undefined;
  let used: string[] = [];
  const peers: KeyValue[] = [];
  const run = globalThis.crypto.randomUUID().slice(0, 8);
  let counter = 0;
  const context: SuiteContext = {
    get store(): KeyValue {
      if (current === undefined) throw new Error("No store: the test is not running");
      return current;
    },
    collection(label = "c") {
      const name = `${label}-${run}-${++counter}`;
      used.push(name);
      return name;
    },
    uniqueKey(label = "k") {
      return `${label}-${run}-${++counter}`;
    },
    settle: async () => {
      await options.settle?.();
    },
    ttlPrecision: options.ttlPrecision ?? "ms",
    answersInOrder: options.answersInOrder ?? false,
    track(collection: string) {
      used.push(collection);
    },
    async peer() {
      const store = context.store;
      if (options.createPeer === undefined) return store;
      const peer = await options.createPeer(store);
      peers.push(peer);
      return peer;
    },
  };
  return {
    context,
    setUp: async () => {
      used = [];
      current = await options.createStore();
    },
    tearDown: async () => {
      const store = current;
      current = undefined;
      for (const peer of peers.splice(0)) if (supportsClose(peer)) await peer.close();
      if (store === undefined) return;
      try {
        if (supportsDestroyCollection(store)) {
          for (const name of new Set(used)) {
            await store.destroyCollection(name).catch(() => false);
          }
        }
        await options.cleanup?.(store);
      } finally {
        if (supportsClose(store)) await store.close();
      }
    },
  };
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
