import { inMemory, inTemporaryDirectory, type OpenStore } from "@kv/conformance";
import { DiskStore } from "@kv/disk";
import { MemoryStore } from "@kv/memory";

/** Every store the adapter's behaviour is checked over: in-process and persistent. */
export const storeFactories: readonly (readonly [name: string, OpenStore])[] = [
  ["MemoryStore", inMemory(() => new MemoryStore())],
  ["DiskStore", inTemporaryDirectory((directory) => new DiskStore({ directory }))],
];
