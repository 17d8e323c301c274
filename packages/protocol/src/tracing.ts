import type * as DiagnosticsChannel from "node:diagnostics_channel";
import type { TracingChannel } from "node:diagnostics_channel";
import { type CapabilityMethod, capabilityMethods } from "./capabilities.ts";
import type { Operation } from "./errors.ts";
import type { CollectionOptions, KeyValue } from "./key-value.ts";

/** The prefix of every tracing channel a store publishes on: `kv:get`, `kv:putMany` ... */
export const TRACING_CHANNEL_PREFIX = "kv:";

/**
 * What a store publishes on its tracing channels for one call (the object every event of the
 * call shares; `node:diagnostics_channel` adds `error` when the call fails). Keys and values are
 * never published.
 */
export interface StoreOperationEvent {
  /** The call: `get`, `putMany`, `putIfAbsent` ... (also the channel's name after `kv:`). */
  readonly operation: Operation;
  /** The store's class name, e.g. `"RedisStore"`. */
  readonly store: string;
  /** The backend, as the store's `systemName` gives it, e.g. `"redis"`. */
  readonly system: string;
  /** The collection the call targets; `undefined` for calls on the whole store (`destroy`, `cull` ...). */
  readonly collection: string | undefined;
  /** How many keys the call names: 1 for a single-key call, the list's length for a bulk call, else 0. */
  readonly keyCount: number;
  /** The error the call failed with, set before the `error` event. */
  error?: unknown;
}

/** Where a traced method finds its key(s) and collection among its arguments. */
export type TracedMethod = Pick<
  CapabilityMethod,
  "name" | "operation" | "keyAt" | "keysAt" | "optionsAt" | "collectionAt"
>;

/** The eight `KeyValue` methods, as `BaseStore` traces them. */
export const dataMethods: readonly TracedMethod[] = [
  { name: "get", operation: "get", keyAt: 0, optionsAt: 1 },
  { name: "getMany", operation: "getMany", keysAt: 0, optionsAt: 1 },
  { name: "ttl", operation: "ttl", keyAt: 0, optionsAt: 1 },
  { name: "ttlMany", operation: "ttlMany", keysAt: 0, optionsAt: 1 },
  { name: "put", operation: "put", keyAt: 0, optionsAt: 2 },
  { name: "putMany", operation: "putMany", keysAt: 0, optionsAt: 1 },
  { name: "delete", operation: "delete", keyAt: 0, optionsAt: 1 },
  { name: "deleteMany", operation: "deleteMany", keysAt: 0, optionsAt: 1 },
];

/** The capability methods `storeWith` traces: all but the streams (`iterateKeys`, `iterateCollections`). */
export const capabilityTracedMethods: readonly TracedMethod[] = Object.values(capabilityMethods)
  .flat()
  .filter((method) => method.iterates !== true);

/** Every operation a store publishes on its own tracing channel, `kv:<operation>`. */
export const TRACED_OPERATIONS: readonly Operation[] = [
  ...dataMethods,
  ...capabilityTracedMethods,
].map((method) => method.operation);

/** The name of the tracing channel of one operation: `kv:get`, `kv:putIfAbsent` ... */
export function tracingChannelName(operation: Operation): string {
  return TRACING_CHANNEL_PREFIX + operation;
}

interface TracedStore {
  readonly defaultCollection: string;
  readonly systemName: string;
}

type Method = (this: TracedStore, ...args: unknown[]) => Promise<unknown>;

/**
 * Replaces each method of `prototype` with one that publishes the call on the tracing channel
 * `kv:<operation>` when that channel has subscribers, and otherwise only calls the method.
 * Where the runtime has no `node:diagnostics_channel` (browsers, Workers) the methods stay as
 * they are.
 */
export function traceMethods(prototype: object, methods: readonly TracedMethod[]): void {
  const target = prototype as Record<string, Method>;
  for (const method of methods) {
    const original = target[method.name];
    if (typeof original !== "function") continue;
    target[method.name] = traced(method, original);
  }
}

/**
 * The property of a traced method that holds its original, for measuring what tracing costs. A
 * registered symbol, so that the benchmark (`@kv/bench`'s untraced `MemoryStore`) finds it in the
 * built package as in the source.
 */
const UNTRACED_METHOD: unique symbol = Symbol.for("@kv/protocol:untraced-method");

let diagnostics: typeof DiagnosticsChannel | null | undefined;

/**
 * `node:diagnostics_channel` where the runtime has it (Node, Bun, Deno), looked up once without
 * an import so that the protocol loads in every runtime; `null` where there is none.
 */
function diagnosticsChannel(): typeof DiagnosticsChannel | null {
  if (diagnostics === undefined) {
    const runtime = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } };
    const found = runtime.process?.getBuiltinModule?.("node:diagnostics_channel");
    diagnostics =
      typeof (found as Partial<typeof DiagnosticsChannel> | undefined)?.tracingChannel ===
      "function"
        ? (found as typeof DiagnosticsChannel)
        : null;
  }
  return diagnostics;
}

function traced(method: TracedMethod, original: Method): Method {
  const channels = diagnosticsChannel();
  if (channels === null) return original;
  const channel: TracingChannel<unknown, StoreOperationEvent> = channels.tracingChannel(
    tracingChannelName(method.operation),
  );
  const tracedMethod = function tracedCall(
    this: TracedStore,
    a?: unknown,
    b?: unknown,
    c?: unknown,
    d?: unknown,
  ) {
    if (!channel.hasSubscribers) return original.call(this, a, b, c, d);
    const args = [a, b, c, d];
    let result: unknown;
    const run = async () => {
      result = await original.call(this, a, b, c, d);
    };
    return channel.tracePromise(run, describeCall(this, method, args)).then(() => result);
  };
  Object.defineProperty(tracedMethod, UNTRACED_METHOD, { value: original });
  return tracedMethod;
}

function describeCall(
  store: TracedStore,
  method: TracedMethod,
  args: readonly unknown[],
): StoreOperationEvent {
  return {
    operation: method.operation,
    store: store.constructor.name,
    system: store.systemName,
    collection: collectionOf(store, method, args),
    keyCount: keyCountOf(method, args),
  };
}

function collectionOf(
  store: TracedStore,
  method: TracedMethod,
  args: readonly unknown[],
): string | undefined {
  if (method.collectionAt !== undefined) {
    const named = args[method.collectionAt];
    return typeof named === "string" ? named : undefined;
  }
  if (method.optionsAt === undefined) return undefined;
  const named = (args[method.optionsAt] as CollectionOptions | undefined)?.collection;
  if (named === undefined) return store.defaultCollection;
  return typeof named === "string" ? named : undefined;
}

function keyCountOf(method: TracedMethod, args: readonly unknown[]): number {
  if (method.keyAt !== undefined) return 1;
  if (method.keysAt === undefined) return 0;
  const keys = args[method.keysAt];
  return Array.isArray(keys) ? keys.length : 0;
}

/**
 * The backend name of a store class: its name without the `Store` suffix, in lower case
 * (`RedisStore` → `"redis"`), or `"other"` for an anonymous class.
 */
export function systemNameOfClass(className: string): string {
  return className.replace(/Store$/, "").toLowerCase() || "other";
}

/**
 * The backend a store runs on, from its `systemName` (every `BaseStore` has one, and every
 * `BaseWrapper` gives its inner store's); `undefined` when the store names none.
 */
export function systemNameOf(store: KeyValue): string | undefined {
  const named = (store as { systemName?: unknown }).systemName;
  return typeof named === "string" && named !== "" ? named : undefined;
}
