import { StorageQuotaError, WebStorageStore } from "@kv/web-storage";
import { expect, it } from "vitest";

it("keeps small values in localStorage, with a TTL and collections", async () => {
  const store = new WebStorageStore({ storage: localStorage, namespace: "my-app:" });
  await store.put("theme", { mode: "dark" }, { collection: "settings" });
  await store.put("draft", { text: "Hello" }, { collection: "editor", ttl: 3600 });
  expect(await store.get("theme", { collection: "settings" })).toEqual({ mode: "dark" });
  expect(localStorage.getItem("my-app:settings/theme")).toContain('"mode":"dark"');

  const tooBig = { text: "x".repeat(12 * 1024 * 1024) };
  await expect(store.put("huge", tooBig)).rejects.toThrow(StorageQuotaError);
  await store.destroy();
});
