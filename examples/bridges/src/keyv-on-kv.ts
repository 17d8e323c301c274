import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { EncryptionWrapper } from "@kv/encryption";
import { toKeyvStore } from "@kv/keyv";
import { MemoryStore } from "@kv/memory";
import { createCache } from "cache-manager";
import { Cacheable } from "cacheable";
import Keyv from "keyv";

// Any stack of @kv wrappers and a store, here encryption bound to each key over memory.
const backend = new MemoryStore();
const key = { id: "2026-12", key: randomBytes(32).toString("base64") };
const store = new EncryptionWrapper(backend, { keys: [key] });

// cache-manager: its stores are Keyv instances, TTLs in milliseconds.
const keyv = new Keyv({ store: toKeyvStore(store, { collection: "cache" }) });
const cache = createCache({ stores: [keyv] });
let lookups = 0;
const profile = () => cache.wrap("profile:7", async () => ({ id: 7, lookups: ++lookups }), 60_000);
assert.deepEqual(await profile(), { id: 7, lookups: 1 });
assert.deepEqual(await profile(), { id: 7, lookups: 1 });

// cacheable: the same adapter as its secondary store.
const cacheable = new Cacheable({ secondary: toKeyvStore(store, { collection: "cacheable" }) });
const report = await cacheable.getOrSet("report", async () => ({ rows: 3 }), { ttl: "1m" });
assert.deepEqual(report, { rows: 3 });

// The backend holds py-key-value entries, encrypted; the TTL is 60 s.
const [stored, ttl] = await backend.ttl("keyv:profile:7", { collection: "cache" });
assert.equal(stored?.__encryption_key_id__, "2026-12");
assert.ok(ttl !== undefined && ttl > 59 && ttl <= 60);
