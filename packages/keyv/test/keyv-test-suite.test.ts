import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import keyvTestSuite, { keyvIteratorTests } from "@keyv/test-suite";
import { toKeyvStore } from "@kv/keyv";
import { MemoryStore } from "@kv/memory";
import type { KeyValue } from "@kv/protocol";
import { RedisStore } from "@kv/redis";
import { SqliteStore } from "@kv/sqlite";
import Keyv, { type KeyvOptions } from "keyv";
import * as vitest from "vitest";
import { redisUrl, uniqueNamespace } from "./servers.ts";

/** Keyv with its iterator switched on, which Keyv 5 does by itself only for adapters it knows. */
class IterableKeyv extends Keyv {
  constructor(options?: KeyvOptions) {
    super(options);
    const store = this.store as { iterator: (namespace?: string) => AsyncGenerator };
    this.iterator = this.generateIterator(store.iterator.bind(store));
  }
}

const directory = mkdtempSync(join(tmpdir(), "kv-keyv-suite-"));
const memory = new MemoryStore();
const sqlite = new SqliteStore({ path: join(directory, "keyv.sqlite") });
const redis = new RedisStore({ url: redisUrl(), namespace: uniqueNamespace("keyv-suite") });

vitest.afterAll(async () => {
  await redis.destroy();
  await redis.close();
  await sqlite.close();
  rmSync(directory, { recursive: true, force: true });
});

/** The suite's declared vitest type comes from its own copy of vitest; the API is the same. */
const suiteApi = vitest as unknown as Parameters<typeof keyvTestSuite>[0];

/** Keyv's published suites, on adapters that all share one store (the suite makes many). */
function describeKeyvSuite(name: string, store: KeyValue): void {
  vitest.describe(name, () => {
    const adapter = () => toKeyvStore(store, { collection: "keyv-suite" });
    keyvTestSuite(suiteApi, Keyv, adapter);
    keyvIteratorTests(suiteApi, IterableKeyv, adapter);
  });
}

describeKeyvSuite("@keyv/test-suite on toKeyvStore(MemoryStore)", memory);
describeKeyvSuite("@keyv/test-suite on toKeyvStore(SqliteStore)", sqlite);
describeKeyvSuite("@keyv/test-suite on toKeyvStore(RedisStore)", redis);
