import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiskStore } from "@kv/disk";

const directory = await mkdtemp(join(tmpdir(), "kv-concepts-"));
const store = new DiskStore({ directory });

// What a store holds is the value plus its timestamps, as py-key-value writes them.
await store.put("u1", { name: "Ada" }, { collection: "users", ttl: 3600 });
const document = JSON.parse(await readFile(join(directory, "users", "u1.json"), "utf8"));

assert.deepEqual(Object.keys(document), [
  "collection",
  "created_at",
  "expires_at",
  "key",
  "value",
  "version",
]);
assert.deepEqual([document.collection, document.key, document.version], ["users", "u1", 1]);
assert.deepEqual(document.value, { name: "Ada" });
assert.match(document.expires_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/);

// A document written by another program (here in py-key-value's older form) reads back too.
const fromPython = { version: 1, value: '{"name": "Grace"}', created_at: "2026-01-01T00:00:00Z" };
await writeFile(join(directory, "users", "u2.json"), JSON.stringify(fromPython));
assert.deepEqual(await store.get("u2", { collection: "users" }), { name: "Grace" });

await rm(directory, { recursive: true });
