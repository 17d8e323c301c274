import { randomUUID } from "node:crypto";
import { entryDocumentFields, pythonTimestamp } from "@kv/conformance";
import { resultsOf, runPyKeyValue } from "@kv/interop-python";
import { KEYV_VALUE_FIELD, type KeyvAdapter, toKeyvStore } from "@kv/keyv";
import { RedisStore } from "@kv/redis";
import { createCache } from "cache-manager";
import { Cacheable } from "cacheable";
import { Redis } from "ioredis";
import Keyv from "keyv";
import { afterAll, describe, expect, it } from "vitest";
import { redisUrl } from "./servers.ts";

// py-key-value's layout (no namespace) on collections of this run only, removed afterwards.
const run = randomUUID().slice(0, 8);
const store = new RedisStore({ url: redisUrl() });
const raw = new Redis(redisUrl());
const used: string[] = [];

function collection(label: string): string {
  const name = `keyv-${label}-${run}`;
  used.push(name);
  return name;
}

afterAll(async () => {
  for (const name of used) await store.destroyCollection(name);
  await store.close();
  await raw.quit();
});

/** Keyv with its serializer switched off: it hands the adapter raw `{ value, expires }` records. */
function rawKeyv(adapter: KeyvAdapter): Keyv {
  return Object.assign(new Keyv({ store: adapter }), {
    serialize: undefined,
    deserialize: undefined,
  });
}

describe("caching libraries on toKeyvStore(new RedisStore(...))", () => {
  it("cache-manager's wrap computes once, then serves the value from Redis", async () => {
    const keyv = new Keyv({ store: toKeyvStore(store, { collection: collection("wrap") }) });
    const cache = createCache({ stores: [keyv] });
    let calls = 0;
    const compute = async () => ({ id: 7, computed: ++calls });

    expect(await cache.wrap("user:7", compute, 60_000)).toEqual({ id: 7, computed: 1 });
    expect(await cache.wrap("user:7", compute, 60_000)).toEqual({ id: 7, computed: 1 });
    expect(calls).toBe(1);

    const fresh = createCache({
      stores: [new Keyv({ store: toKeyvStore(store, { collection: used.at(-1) }) })],
    });
    expect(await fresh.get("user:7")).toEqual({ id: 7, computed: 1 });
  });

  it("cacheable's getOrSet writes through to the secondary store and reads it back", async () => {
    const name = collection("cacheable");
    const cacheable = new Cacheable({
      secondary: new Keyv({ store: toKeyvStore(store, { collection: name }) }),
    });
    let calls = 0;
    const compute = async () => ({ report: "daily", calls: ++calls });

    expect(await cacheable.getOrSet("report", compute, { ttl: "1m" })).toEqual({
      report: "daily",
      calls: 1,
    });
    expect(await cacheable.getOrSet("report", compute, { ttl: "1m" })).toEqual({
      report: "daily",
      calls: 1,
    });
    expect(calls).toBe(1);

    const secondOnly = new Cacheable({
      secondary: new Keyv({ store: toKeyvStore(store, { collection: name }) }),
    });
    expect(await secondOnly.get("report")).toEqual({ report: "daily", calls: 1 });
    const [, ttl] = await store.ttl("keyv:report", { collection: name });
    expect(ttl).toBeGreaterThan(55);
    expect(ttl).toBeLessThanOrEqual(60);
  });
});

describe("what Keyv writes, as @kv/redis and py-key-value see it", () => {
  it("stores Keyv's serialized text in a py-key-value entry document with its expiry", async () => {
    const name = collection("layout");
    const keyv = new Keyv({ store: toKeyvStore(store, { collection: name }) });
    const before = Date.now();
    await keyv.set("u1", { name: "Ada" }, 90_500);

    const value = await store.get("keyv:u1", { collection: name });
    expect(value).toEqual({ [KEYV_VALUE_FIELD]: expect.any(String) });
    const text = value?.[KEYV_VALUE_FIELD] as string;
    const record = JSON.parse(text) as { value: unknown; expires: number };
    expect(record.value).toEqual({ name: "Ada" });

    const document = JSON.parse((await raw.get(`${name}::keyv:u1`)) ?? "null");
    expect(Object.keys(document).sort()).toEqual(entryDocumentFields);
    expect(document).toMatchObject({
      version: 1,
      collection: name,
      key: "keyv:u1",
      value: { [KEYV_VALUE_FIELD]: text },
    });
    expect(document.created_at).toMatch(pythonTimestamp);
    expect(document.expires_at).toMatch(pythonTimestamp);
    const createdAt = Date.parse(document.created_at);
    const expiresAt = Date.parse(document.expires_at);
    expect(createdAt).toBeGreaterThanOrEqual(before);
    expect(expiresAt - createdAt).toBe(90_500);
    expect(Math.abs(expiresAt - record.expires)).toBeLessThanOrEqual(Date.now() - before);
    expect(await raw.pttl(`${name}::keyv:u1`)).toBeGreaterThan(85_000);
  });

  it("stores a raw record (Keyv's serializer switched off) as the object itself", async () => {
    const name = collection("raw");
    const keyv = rawKeyv(toKeyvStore(store, { collection: name }));
    await keyv.set("u2", { name: "Grace", langs: ["COBOL"] });

    const document = JSON.parse((await raw.get(`${name}::keyv:u2`)) ?? "null");
    expect(document.value).toEqual({ value: { name: "Grace", langs: ["COBOL"] } });
    expect(document).not.toHaveProperty("expires_at");
    expect(await keyv.get("u2")).toEqual({ name: "Grace", langs: ["COBOL"] });
  });

  it("reads what @kv/redis wrote as a raw record", async () => {
    const name = collection("shared");
    await store.put("keyv:u3", { value: { name: "Edsger" } }, { collection: name });
    const keyv = rawKeyv(toKeyvStore(store, { collection: name }));
    expect(await keyv.get("u3")).toEqual({ name: "Edsger" });
  });

  it("is read by py-key-value's RedisStore: Keyv's text with its TTL, and a raw record as it is", async () => {
    const name = collection("python");
    await new Keyv({ store: toKeyvStore(store, { collection: name }) }).set(
      "u1",
      { name: "Ada" },
      90_500,
    );
    await rawKeyv(toKeyvStore(store, { collection: name })).set("u2", { name: "Grace" });
    const { results } = await runPyKeyValue({
      store: { backend: "redis", url: redisUrl() },
      calls: [
        { method: "ttl", collection: name, key: "keyv:u1" },
        { method: "get", collection: name, key: "keyv:u2" },
      ],
    });
    const [[text, ttl], raw] = resultsOf(results) as [[Record<string, string>, number], unknown];
    expect(JSON.parse(text[KEYV_VALUE_FIELD] ?? "null").value).toEqual({ name: "Ada" });
    expect(ttl).toBeGreaterThan(60);
    expect(ttl).toBeLessThanOrEqual(90.5);
    expect(raw).toEqual({ value: { name: "Grace" } });
  });
});
