import type { Value } from "@kv/protocol";

/**
 * Entries were written, by `put`, `putMany`, `writeEntries`, a conditional write that stored its
 * value (`putIfAbsent`, `putIfVersion`) or `increment` (its value is the new `{ count }`).
 */
export interface PutEvent {
  /** What changed. */
  readonly type: "put";
  /** The call that changed it. */
  readonly operation:
    | "put"
    | "putMany"
    | "writeEntries"
    | "putIfAbsent"
    | "putIfVersion"
    | "increment";
  /** The collection written to (the default one when the call named none). */
  readonly collection: string;
  /** The keys written, in the order of the call. */
  readonly keys: readonly string[];
  /** The values written, in the order of `keys`, as the caller passed them: only with `includeValues`. */
  readonly values?: readonly Value[];
  /**
   * The TTL in seconds, `undefined` for entries that never expire; always `undefined` for
   * `writeEntries`, whose entries carry their own `expiresAt`.
   */
  readonly ttl: number | undefined;
}

/** Keys were deleted, by `delete`, `deleteMany` or a `deleteIfVersion` that deleted. */
export interface DeleteEvent {
  /** What changed. */
  readonly type: "delete";
  /** The call that changed it. */
  readonly operation: "delete" | "deleteMany" | "deleteIfVersion";
  /** The collection deleted from (the default one when the call named none). */
  readonly collection: string;
  /** The keys the call named, in its order, whether they existed or not. */
  readonly keys: readonly string[];
  /** How many of them existed and were removed. */
  readonly deleted: number;
}

/** A whole collection was removed by `destroyCollection`. */
export interface DestroyCollectionEvent {
  /** What changed. */
  readonly type: "destroyCollection";
  /** The call that changed it. */
  readonly operation: "destroyCollection";
  /** The collection removed. */
  readonly collection: string;
  /** Whether it held anything. */
  readonly removed: boolean;
}

/** Everything the store wrote was removed by `destroy`. */
export interface DestroyEvent {
  /** What changed. */
  readonly type: "destroy";
  /** The call that changed it. */
  readonly operation: "destroy";
  /** Whether anything was removed. */
  readonly removed: boolean;
}

/** Expired entries were removed by `cull`. */
export interface CullEvent {
  /** What changed. */
  readonly type: "cull";
  /** The call that changed it. */
  readonly operation: "cull";
}

/** Any change, as `onChange` receives it: switch on `type`. */
export type ChangeEvent =
  | PutEvent
  | DeleteEvent
  | DestroyCollectionEvent
  | DestroyEvent
  | CullEvent;

/** A handler, called after a change succeeded. It may be async (a returned promise is watched for rejection); its result is ignored. */
export type ChangeHandler<E extends ChangeEvent> = (event: E) => unknown;

/** The name of a handler option. */
export type HandlerName = "onPut" | "onDelete" | "onChange";
