import { describeConformance, freeLoopbackPort } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import { MirroringWrapper, type MirrorReport } from "@kv/mirroring";
import { StoreConnectionError } from "@kv/protocol";
import { RedisStore } from "@kv/redis";
import { afterAll, expect, it } from "vitest";
import { realStores } from "./real-stores.ts";

await describeConformance("MirroringWrapper around two MemoryStores", {
  createStore: () => new MirroringWrapper([new MemoryStore(), new MemoryStore()]),
});

const real = realStores();
afterAll(() => real.dispose());

await describeConformance("MirroringWrapper over Redis and SQLite", {
  createStore: () => new MirroringWrapper([real.inNamespace("mirror"), real.inFile()]),
});

// Every call reaches the stopped server first and is answered (or written) by SQLite; the
// failures go to the report, which sees nothing but StoreConnectionError.
const port = await freeLoopbackPort();
const reports: MirrorReport[] = [];

await describeConformance("MirroringWrapper reporting, its first child a Redis that is down", {
  createStore: () =>
    new MirroringWrapper(
      [new RedisStore({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 200 }), real.inFile()],
      { onPartialFailure: "report", report: (report) => void reports.push(report) },
    ),
});

it("reported every failure of the down Redis, each a StoreConnectionError of child 0", () => {
  expect(reports.length).toBeGreaterThan(100);
  for (const { failures } of reports) {
    for (const { index, error } of failures) {
      expect(index).toBe(0);
      expect(StoreConnectionError.isInstance(error)).toBe(true);
    }
  }
});
