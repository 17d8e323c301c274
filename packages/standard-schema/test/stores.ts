import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiskStore } from "@kv/disk";
import { MemoryStore } from "@kv/memory";
import type { KeyValue } from "@kv/protocol";

/** Opens a store for one test and returns it with its clean-up. */
export type OpenStore = () => Promise<[store: KeyValue, dispose: () => Promise<void>]>;

/** The stores the adapter is checked over: one in memory, one on disk. */
export const stores: readonly (readonly [name: string, open: OpenStore])[] = [
  ["MemoryStore", async () => [new MemoryStore(), async () => {}]],
  [
    "DiskStore",
    async () => {
      const directory = await mkdtemp(join(tmpdir(), "kv-standard-schema-"));
      return [new DiskStore({ directory }), () => rm(directory, { recursive: true, force: true })];
    },
  ],
];
