import { IndexedDbStore } from "@kv/indexeddb";
import { expect, it } from "vitest";

it("keeps entries in an IndexedDB database of its own", async () => {
  const store = new IndexedDbStore({ database: "my-app-cache" });
  await store.putMany(
    [
      ["u1", { name: "Ada" }],
      ["u2", { name: "Grace" }],
    ],
    { collection: "users", ttl: 600 },
  );
  expect(await store.get("u1", { collection: "users" })).toEqual({ name: "Ada" });
  expect(await store.keys({ collection: "users" })).toEqual(["u1", "u2"]);
  await store.destroy();
  await store.close();
});
