import { type StoreUnderTest, useStore } from "@kv/conformance";
import { describe } from "vitest";
import { storeFactories } from "./stores.ts";

/** The running test's store, read when a test runs. */
export type CurrentStore = Pick<StoreUnderTest, "store" | "reopen">;

/**
 * Registers `define` once per store of `storeFactories`, as `describe("<title> over <store>")`:
 * each test gets a fresh store as `t.store`, and `t.reopen()` opens another over its data.
 */
export function describeOverStores(title: string, define: (t: CurrentStore) => void): void {
  describe.each(storeFactories)(`${title} over %s`, (_name, open) => {
    const current = useStore(open);
    define({
      get store() {
        return current().store;
      },
      reopen: () => current().reopen(),
    });
  });
}
