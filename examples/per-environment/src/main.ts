import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { supportsClose, supportsDestroy } from "@kv/protocol";
import { sessions } from "./sessions.ts";
import { storeFromEnvironment } from "./store-from-environment.ts";

const directory = await mkdtemp(join(tmpdir(), "kv-per-environment-"));
const redisUrl = new URL(process.env.KV_REDIS_URL ?? "redis://127.0.0.1:6390");
redisUrl.pathname = "/12"; // a database of this example's own

// What `STORE=... node app.js` would set in each environment.
const environments: Record<string, NodeJS.ProcessEnv> = {
  test: { STORE: "memory" },
  laptop: { STORE: "disk", STORE_DIRECTORY: directory },
  production: { STORE: "redis", STORE_URL: redisUrl.href },
};

const results: Record<string, unknown> = {};
for (const [name, env] of Object.entries(environments)) {
  const store = await storeFromEnvironment(env);
  const app = sessions(store);

  const id = await app.start("ada");
  const before = await app.user(id);
  const ended = await app.end(id);
  const after = await app.user(id);
  results[name] = { before, ended, after };
  console.log(`${name.padEnd(10)} STORE=${env.STORE?.padEnd(6)}`, results[name]);

  if (supportsDestroy(store)) await store.destroy();
  if (supportsClose(store)) await store.close();
}
await rm(directory, { recursive: true, force: true });

const expected = { before: "ada", ended: true, after: undefined };
assert.deepEqual(results, { test: expected, laptop: expected, production: expected });
await assert.rejects(storeFromEnvironment({ STORE: "redis" }), /STORE_URL must be set/);
await assert.rejects(storeFromEnvironment({ STORE: "postgres" }), /STORE must be memory/);
console.log("per-environment: ok");
