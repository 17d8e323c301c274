import { MemoryStore } from "@kv/memory";
import type { KeyValue } from "@kv/protocol";

/** A store for one test, and how to dispose of it afterwards. */
export interface StoreUnderTest {
  readonly store: KeyValue;
  dispose(): Promise<void>;
}

/** Every store the adapter's behaviour is checked over. */
export const storeFactories: readonly (readonly [name: string, () => Promise<StoreUnderTest>])[] = [
  ["MemoryStore", async () => ({ store: new MemoryStore(), dispose: async () => {} })],
];
