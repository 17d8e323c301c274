import { inMemory, type OpenStore } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";

/** The stores the zod adapter's tests run over in a browser: in-process only. */
export const storeFactories: readonly (readonly [name: string, OpenStore])[] = [
  ["MemoryStore", inMemory(() => new MemoryStore())],
];
