import { env } from "cloudflare:workers";
import { CloudflareKvStore, type KvNamespaceBinding } from "@kv/cloudflare-kv";
import { describe, expect, it } from "vitest";

const kv = (env as { KV: KvNamespaceBinding }).KV;
let stores = 0;
const freshStore = () => {
  const prefix = `spec-${++stores}:`;
  return { prefix, store: new CloudflareKvStore({ namespace: kv, prefix }) };
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("CloudflareKvStore", () => {
  it("keeps a TTL under 60 s exactly: KV holds the key for 60 s, reads stop at the TTL", async () => {
    const { prefix, store } = freshStore();
    await store.put("short", { n: 1 }, { ttl: 1 });
    const [listed] = (await kv.list({ prefix })).keys;
    expect(listed?.expiration).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 59);
    await sleep(1_100);
    expect(await store.get("short")).toBeUndefined();
    expect(await store.keys()).toEqual([]);
    expect(await kv.get(`${prefix}default_collection/short`, { type: "text" })).not.toBeNull();
  });

  it("gives KV a TTL of 60 s or more as it is", async () => {
    const { prefix, store } = freshStore();
    await store.put("long", { n: 1 }, { ttl: 3600 });
    const [listed] = (await kv.list({ prefix })).keys;
    const inAnHour = Math.floor(Date.now() / 1000) + 3600;
    expect(listed?.expiration).toBeGreaterThanOrEqual(inAnHour - 2);
    expect(listed?.expiration).toBeLessThanOrEqual(inAnHour + 2);
  });

  it("removes expired keys from KV on cull() before KV would", async () => {
    const { prefix, store } = freshStore();
    await store.put("short", { n: 1 }, { ttl: 0.05 });
    await store.put("kept", { n: 2 });
    await sleep(100);
    await store.cull();
    expect((await kv.list({ prefix })).keys.map((key) => key.name)).toEqual([
      `${prefix}default_collection/kept`,
    ]);
  });

  it("stores names beyond KV's 512-byte key limit by digest and lists their real names", async () => {
    const { prefix, store } = freshStore();
    const collection = "c".repeat(300);
    const key = "🙂".repeat(300);
    await store.put(key, { n: 1 }, { collection });
    await store.put("#hash-like", { n: 2 }, { collection });
    for (const listed of (await kv.list({ prefix })).keys) {
      expect(new TextEncoder().encode(listed.name).length).toBeLessThanOrEqual(512);
    }
    expect((await store.keys({ collection })).sort()).toEqual(["#hash-like", key].sort());
    expect(await store.collections()).toEqual([collection]);
    expect(await store.get(key, { collection })).toEqual({ n: 1 });
  });

  it("names keys <prefix><collection>/<key> and leaves other prefixes alone on destroy()", async () => {
    const { prefix, store } = freshStore();
    await kv.put("someone-else", "x");
    await store.put("a/b", { n: 1 }, { collection: "c/d%#" });
    expect((await kv.list({ prefix })).keys.map((key) => key.name)).toEqual([
      `${prefix}c%2Fd%25%23/a/b`,
    ]);
    await store.destroy();
    expect(await kv.get("someone-else", { type: "text" })).toBe("x");
    await kv.delete("someone-else");
  });
});
