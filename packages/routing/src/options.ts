import type { KeyValue } from "@kv/protocol";

/** Picks the store of one entry; `undefined` sends it to `defaultStore`. Must be a pure function. */
export type RouteFunction = (collection: string, key: string) => KeyValue | undefined;

/** Route by collection name: each named collection to its store, every other one to `defaultStore`. */
export interface CollectionRoutingOptions {
  /** The store of every collection `collections` does not name. */
  defaultStore: KeyValue;
  /** Collection name → store. */
  collections: Readonly<Record<string, KeyValue>> | ReadonlyMap<string, KeyValue>;
  /** Not allowed with `collections`. */
  route?: undefined;
  /** Not allowed with `collections`. */
  stores?: undefined;
}

/** Route by a function of (collection, key); bulk calls are split by route. */
export interface KeyRoutingOptions {
  /** The store of every entry `route` leaves `undefined`. */
  defaultStore: KeyValue;
  /** Picks each entry's store. */
  route: RouteFunction;
  /** Every store `route` may return (enumeration and `destroy()` reach these and `defaultStore`). */
  stores: readonly KeyValue[];
  /** Not allowed with `route`. */
  collections?: undefined;
}

/** Options of `RoutingWrapper`: a map of collections, or a route function with its stores. */
export type RoutingWrapperOptions = CollectionRoutingOptions | KeyRoutingOptions;
