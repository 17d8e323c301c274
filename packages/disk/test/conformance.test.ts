import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeConformance } from "@kv/conformance";
import { DiskStore } from "@kv/disk";
import { BaseWrapper, type KeyValue } from "@kv/protocol";
import { afterAll } from "vitest";

class PassThroughWrapper extends BaseWrapper {}

const root = mkdtempSync(join(tmpdir(), "kv-disk-conformance-"));
let count = 0;
const freshDirectory = () => join(root, String(++count));

afterAll(() => rmSync(root, { recursive: true, force: true }));

await describeConformance("DiskStore", {
  createStore: () => new DiskStore({ directory: freshDirectory() }),
});

await describeConformance("DiskStore with two fan-out levels, without fsync", {
  createStore: () => new DiskStore({ directory: freshDirectory(), fanOutLevels: 2, fsync: false }),
});

await describeConformance("DiskStore through a pass-through BaseWrapper", {
  createStore: (): KeyValue =>
    new PassThroughWrapper(new DiskStore({ directory: freshDirectory() })),
});
