import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeConformance } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import { fromUnstorage, kvDriver } from "@kv/unstorage";
import { createStorage } from "unstorage";
import fsDriver from "unstorage/drivers/fs";
import { afterAll } from "vitest";

const directory = mkdtempSync(join(tmpdir(), "kv-unstorage-conformance-"));
let count = 0;
afterAll(() => rmSync(directory, { recursive: true, force: true }));

// unstorage's default driver: an in-process Map that never expires anything itself.
await describeConformance("fromUnstorage(createStorage())", {
  createStore: () => fromUnstorage(createStorage()),
});

// unstorage's fs driver: one file per entry under a fresh temporary directory.
await describeConformance("fromUnstorage(createStorage({ driver: fs(...) }))", {
  createStore: () =>
    fromUnstorage(createStorage({ driver: fsDriver({ base: join(directory, `fs-${++count}`) }) })),
});

// Both bridges at once: a store seen through unstorage's driver interface and back.
await describeConformance("fromUnstorage(createStorage({ driver: kvDriver(MemoryStore) }))", {
  createStore: () =>
    fromUnstorage(createStorage({ driver: kvDriver({ store: new MemoryStore() }) })),
});
