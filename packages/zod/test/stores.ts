import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiskStore } from "@kv/disk";
import { MemoryStore } from "@kv/memory";
import type { KeyValue } from "@kv/protocol";
import { afterEach, beforeEach } from "vitest";

/** A store for one test, and how to dispose of it afterwards. */
export interface StoreUnderTest {
  readonly store: KeyValue;
  /** A store over the same data, as a restarted process would open it (the same one in memory). */
  reopen(): KeyValue;
  dispose(): Promise<void>;
}

/** Every store the adapter's behaviour is checked over: in-process and persistent. */
export const storeFactories: readonly (readonly [name: string, () => Promise<StoreUnderTest>])[] = [
  [
    "MemoryStore",
    async () => {
      const store = new MemoryStore();
      return { store, reopen: () => store, dispose: async () => {} };
    },
  ],
  [
    "DiskStore",
    async () => {
      const directory = await mkdtemp(join(tmpdir(), "kv-adapter-"));
      const store = new DiskStore({ directory });
      return {
        store,
        reopen: () => new DiskStore({ directory }),
        dispose: async () => {
          await rm(directory, { recursive: true, force: true });
        },
      };
    },
  ],
];

/** Opens a fresh store before each test and disposes of it after; returns the current one. */
export function useStore(create: () => Promise<StoreUnderTest>): () => StoreUnderTest {
  let current: StoreUnderTest | undefined;
  beforeEach(async () => {
    current = await create();
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
