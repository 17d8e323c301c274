import assert from "node:assert/strict";
import { MemoryStore } from "@kv/memory";
import { updateWithRetry } from "@kv/protocol";

const store = new MemoryStore();
const addToCart = (item: string) =>
  updateWithRetry(store, "cart:ada", (cart) => ({
    items: [...((cart?.items as string[] | undefined) ?? []), item],
  }));

// Three concurrent changes of one value: each is retried until it applies to the latest one.
await Promise.all(["book", "pen", "lamp"].map(addToCart));
const cart = await store.get("cart:ada");
assert.deepEqual((cart?.items as string[] | undefined)?.sort(), ["book", "lamp", "pen"]);
