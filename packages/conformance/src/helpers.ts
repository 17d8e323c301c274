import {
  BaseWrapper,
  type Capability,
  type CapabilityMethod,
  type Closable,
  capabilityMethods,
  capabilityNames,
  type KeyValue,
  ManualClock,
  type Operation,
  type StoreDestruction,
  supports,
  type Value,
} from "@kv/protocol";
import { afterEach, beforeEach, expect } from "vitest";
import { nodeBuiltin } from "./node-builtins.ts";

/** Every item of an async iterable (nothing for `undefined`), in the order it yields them. */
export async function collect<T>(source: AsyncIterable<T> | undefined): Promise<T[]> {
  const items: T[] = [];
  for await (const item of source ?? []) items.push(item);
  return items;
}

/** A copy of the names in sort order, to compare listings whose order is unspecified. */
export function sorted(names: readonly string[] | undefined): string[] | undefined {
  return names === undefined ? undefined : [...names].sort();
}

/**
 * The same store with the methods of the named capabilities hidden (set to `undefined` on the
 * instance), so that code under test sees a store that does not offer them.
 */
export function withoutCapabilities(store: KeyValue, ...capabilities: Capability[]): KeyValue {
  for (const capability of capabilities) {
    for (const { name } of capabilityMethods[capability]) {
      Object.defineProperty(store, name, { value: undefined });
    }
  }
  return store;
}

/**
 * The same store given, on the instance, every capability method of the protocol's table it
 * lacks (each doing nothing), so that code under test sees a store that offers everything.
 */
export function withEveryCapability(store: KeyValue): KeyValue {
  const methods = store as unknown as Record<string, unknown>;
  for (const capability of capabilityNames) {
    for (const { name, iterates } of capabilityMethods[capability]) {
      if (typeof methods[name] === "function") continue;
      methods[name] = iterates ? () => collect(undefined) : async () => undefined;
    }
  }
  return store;
}

/**
 * Calls one capability method with plausible arguments (key `"k"`, value `{ n: 1 }`, version
 * `"v"`, collection `"c"`) and settles it: `"passed"` when it succeeded, otherwise the error,
 * so a test can check how a wrapper classifies every method of the protocol's table.
 */
export async function callCapability(store: KeyValue, method: CapabilityMethod): Promise<unknown> {
  const args: unknown[] = [];
  const last = Math.max(method.optionsAt ?? 0, method.collectionAt ?? 0, method.keyAt ?? 0);
  for (let index = 0; index <= last; index++) args.push("v");
  if (method.keyAt === undefined && method.collectionAt === undefined) args[0] = [];
  if (method.keyAt !== undefined) args[method.keyAt] = "k";
  if (method.valueAt !== undefined) args[method.valueAt] = { n: 1 };
  if (method.collectionAt !== undefined) args[method.collectionAt] = "c";
  if (method.optionsAt !== undefined) args[method.optionsAt] = { collection: "c" };
  const run = (store as unknown as Record<string, (...a: unknown[]) => unknown>)[method.name];
  const result = run?.(...args);
  return Promise.resolve(method.iterates ? collect(result as AsyncIterable<string>) : result).then(
    () => "passed",
    (error: unknown) => error,
  );
}

/** A pass-through wrapper that records every operation reaching the store below it. */
export class OperationRecorder extends BaseWrapper {
  /** The operations passed through, in order. */
  readonly reached: Operation[] = [];
  protected override invoke<T>(
    operation: Operation,
    call: (store: KeyValue) => Promise<T>,
  ): Promise<T> {
    this.reached.push(operation);
    return call(this.store);
  }
}

/**
 * Expects each call to reject with an error that `isRefusal` recognises and that names the call's
 * operation (`[operation, call, ...]` rows; a failure names the operation).
 */
export async function expectRefusals(
  calls: readonly (readonly [
    operation: string,
    call: () => Promise<unknown>,
    ...rest: unknown[],
  ])[],
  isRefusal: (error: unknown) => boolean,
): Promise<void> {
  for (const [operation, call] of calls) {
    const error = await call().catch((caught: unknown) => caught);
    expect(isRefusal(error), operation).toBe(true);
    expect((error as { operation?: unknown }).operation, operation).toBe(operation);
  }
}

/**
 * Calls every method of the protocol's capability table (as `callCapability` does), each on a
 * fresh wrapper made by `wrap` over a recorder of a store with every capability, and expects it
 * refused (an error `isRefusal` recognises, with nothing reaching the store) exactly when
 * `refuses` says so for its operation, and passed otherwise: the check of a wrapper that sorts
 * operations, such as a read-only one.
 */
export async function expectRefusedExactly(
  wrap: (inner: KeyValue) => KeyValue,
  createStore: () => KeyValue,
  isRefusal: (error: unknown) => boolean,
  refuses: (operation: Operation) => boolean,
): Promise<void> {
  for (const capability of capabilityNames) {
    for (const method of capabilityMethods[capability]) {
      const inner = new OperationRecorder(withEveryCapability(createStore()));
      const result = await callCapability(wrap(inner), method);
      const ended = isRefusal(result) ? "refused" : result;
      const expected = refuses(method.operation) ? "refused" : "passed";
      expect(ended, method.name).toBe(expected);
      if (expected === "refused") expect(inner.reached, method.name).toEqual([]);
    }
  }
}

/**
 * Writes a distinct value under every key in every collection, then expects each collection to
 * read back its own values and, when the store enumerates keys, to list exactly those keys: the
 * check that a wrapper's name encoding keeps hostile collection and key names apart.
 */
export async function expectNamesApart(
  store: KeyValue,
  collections: readonly string[],
  keys: readonly string[],
): Promise<void> {
  for (const [c, collection] of collections.entries()) {
    await store.putMany(
      keys.map((key, k) => [key, { c, k }]),
      { collection },
    );
  }
  for (const [c, collection] of collections.entries()) {
    expect(await store.getMany(keys, { collection })).toEqual(keys.map((_, k) => ({ c, k })));
    if (supports(store, "keys")) {
      expect(sorted(await store.keys({ collection }))).toEqual(sorted([...new Set(keys)]));
    }
  }
}

/** `count` entries `<prefix>0`, `<prefix>1` ... with `{ index }` as value, for bulk writes. */
export function indexedEntries(prefix: string, count: number): [key: string, value: Value][] {
  return Array.from({ length: count }, (_, index) => [`${prefix}${index}`, { index }]);
}

/**
 * Opens a store with `open` on a `ManualClock`, writes `short` (`{ n: 1 }`, TTL 10 s) and
 * `forever` (`{ n: 2 }`, no TTL) to its default collection, then moves the clock 11 s on:
 * `short` has expired by the store's clock, though a backend that does not expire entries itself
 * still holds it. Resolves to the store.
 */
export async function storeWithExpiredEntry<S extends KeyValue>(
  open: (clock: ManualClock) => S,
): Promise<S> {
  const clock = new ManualClock();
  const store = open(clock);
  await store.put("short", { n: 1 }, { ttl: 10 });
  await store.put("forever", { n: 2 });
  clock.advanceSeconds(11);
  return store;
}

/** The error a promise rejects with. @throws when it resolves instead */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("Expected the call to throw");
}

/**
 * Expects `supports(store, capability)` to be what the table says, for each capability named in
 * it (a failure names the capability).
 */
export function expectOffers(
  store: KeyValue,
  expected: Readonly<Partial<Record<Capability, boolean>>>,
): void {
  for (const capability of capabilityNames) {
    const offered = expected[capability];
    if (offered !== undefined) expect(supports(store, capability), capability).toBe(offered);
  }
}

/** A loopback port nothing listens on: the OS hands it out and it is closed again at once. */
export async function freeLoopbackPort(): Promise<number> {
  const server = nodeBuiltin("node:net").createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== "object" || address === null) throw new Error("The OS gave no port");
  return address.port;
}

/** A store for one test, and how to dispose of it afterwards. */
export interface StoreUnderTest {
  /** The store the test uses. */
  readonly store: KeyValue;
  /** A store over the same data, as a restarted process would open it (the same one in memory). */
  reopen(): KeyValue;
  /** Releases the store and removes what it wrote where that is the test's job. */
  dispose(): Promise<void>;
}

/** Opens a store for one test. */
export type OpenStore = () => Promise<StoreUnderTest>;

/** Opens a store that lives in memory: `reopen()` gives the same one, nothing is left to remove. */
export function inMemory(create: () => KeyValue): OpenStore {
  return async () => {
    const store = create();
    return { store, reopen: () => store, dispose: async () => {} };
  };
}

/**
 * Opens a store in a new temporary directory: `reopen()` opens another over that directory and
 * `dispose()` removes it.
 */
export function inTemporaryDirectory(open: (directory: string) => KeyValue): OpenStore {
  return async () => {
    const { mkdtemp, rm } = nodeBuiltin("node:fs/promises");
    const { join } = nodeBuiltin("node:path");
    const directory = await mkdtemp(join(nodeBuiltin("node:os").tmpdir(), "kv-test-"));
    return {
      store: open(directory),
      reopen: () => open(directory),
      dispose: () => rm(directory, { recursive: true, force: true }),
    };
  };
}

/** Opens a fresh store before each test and disposes of it after; returns the current one. */
export function useStore(open: OpenStore): () => StoreUnderTest {
  let current: StoreUnderTest | undefined;
  beforeEach(async () => {
    current = await open();
  });
  afterEach(async () => {
    await current?.dispose();
    current = undefined;
  });
  return () => {
    if (current === undefined) throw new Error("No store outside a test");
    return current;
  };
}

/** How `RealStores` opens its stores. */
export interface RealStoresOptions<Server, File> {
  /** Names this run's namespaces (`<name>-<run>-<label>`) and temporary directory. */
  readonly name: string;
  /** Opens a store in a namespace of a shared server (a `RedisStore` ...). */
  readonly inNamespace: (namespace: string) => Server;
  /** Opens a store in a file (a `SqliteStore` ...). */
  readonly inFile: (path: string) => File;
}

/**
 * Stores on real backends for one test file: server-backed ones in namespaces of this run,
 * file-backed ones in temporary files. `dispose()` destroys every namespace handed out (through a
 * store of its own, since the suite may have closed its stores) and removes the files.
 */
export class RealStores<
  Server extends KeyValue & StoreDestruction & Closable,
  File extends KeyValue,
> {
  private readonly options: RealStoresOptions<Server, File>;
  private readonly run = globalThis.crypto.randomUUID().slice(0, 8);
  private readonly namespaces = new Set<string>();
  private directory: string | undefined;
  private files = 0;

  constructor(options: RealStoresOptions<Server, File>) {
    this.options = options;
  }

  /** A server-backed store in the namespace `<label>` of this run (the same one for the same label). */
  inNamespace(label = "main"): Server {
    const namespace = `${this.options.name}-${this.run}-${label}`;
    this.namespaces.add(namespace);
    return this.options.inNamespace(namespace);
  }

  /** A file-backed store in a new temporary file. */
  inFile(): File {
    const { join } = nodeBuiltin("node:path");
    this.directory ??= nodeBuiltin("node:fs").mkdtempSync(
      join(nodeBuiltin("node:os").tmpdir(), `${this.options.name}-`),
    );
    return this.options.inFile(join(this.directory, `store-${++this.files}`));
  }

  /** Destroys every namespace handed out and removes the temporary files. */
  async dispose(): Promise<void> {
    for (const namespace of this.namespaces) {
      const store = this.options.inNamespace(namespace);
      await store.destroy();
      await store.close();
    }
    if (this.directory !== undefined) {
      nodeBuiltin("node:fs").rmSync(this.directory, { recursive: true, force: true });
    }
  }
}

/**
 * What `read` returns when run with `String.prototype.charCodeAt` made to throw, to show that code
 * reads characters through `codeUnitAt` of `@kv/protocol` (whose speed does not depend on the
 * state of `String.prototype`). The method is put back before this returns or throws.
 */
export function withCharCodeAtHidden<T>(read: () => T): T {
  const original = Object.getOwnPropertyDescriptor(String.prototype, "charCodeAt");
  Object.defineProperty(String.prototype, "charCodeAt", {
    configurable: true,
    writable: true,
    value: () => {
      throw new Error("String.prototype.charCodeAt was looked up");
    },
  });
  try {
    return read();
  } finally {
    if (original !== undefined) Object.defineProperty(String.prototype, "charCodeAt", original);
  }
}
