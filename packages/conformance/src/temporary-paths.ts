import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KeyValue } from "@kv/protocol";
import { afterAll } from "vitest";

/**
 * Makes a temporary directory for the calling test file, removed after its tests (call it at the
 * top level of the file), and returns a maker of fresh paths inside it (not yet created).
 */
export function temporaryPaths(prefix: string): () => string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let count = 0;
  return () => join(root, `case-${++count}`);
}

/** The `createStore` and `createPeer` of a store kept on a path of the file system. */
export interface StoresOnPaths<S extends KeyValue> {
  /** Opens a store on a fresh path. */
  createStore(): S;
  /**
   * Opens a second store on the path of `store`, one `createStore` made.
   * @throws Error for a store made otherwise
   */
  createPeer(store: KeyValue): S;
}

/**
 * Conformance options for a store kept on the file system: each store opens on a fresh path of a
 * temporary directory (see `temporaryPaths`, which names it after `prefix`), and its peer opens
 * on the same path through the same `open`, so a test sees what one process's second handle sees.
 */
export function storesOnFreshPaths<S extends KeyValue>(
  prefix: string,
  open: (path: string) => S,
): StoresOnPaths<S> {
  const freshPath = temporaryPaths(prefix);
  const paths = new WeakMap<KeyValue, string>();
  return {
    createStore: () => {
      const path = freshPath();
      const store = open(path);
      paths.set(store, path);
      return store;
    },
    createPeer: (store) => {
      const path = paths.get(store);
      if (path === undefined) throw new Error("The store was not made by this createStore");
      return open(path);
    },
  };
}
