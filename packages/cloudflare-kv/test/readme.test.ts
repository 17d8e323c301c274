import { env } from "cloudflare:workers";
import { CloudflareKvStore, type KvNamespaceBinding } from "@kv/cloudflare-kv";
import { expect, it } from "vitest";

it("caches sessions in a Workers KV namespace", async () => {
  const { KV } = env as { KV: KvNamespaceBinding };
  const sessions = new CloudflareKvStore({ namespace: KV, prefix: "readme:" });
  await sessions.put("s1", { user: "ada" }, { collection: "sessions", ttl: 30 });
  expect(await sessions.get("s1", { collection: "sessions" })).toEqual({ user: "ada" });
  await sessions.destroy();
});
