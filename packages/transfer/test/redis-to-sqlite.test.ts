import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Entry, KeyValue } from "@kv/protocol";
import { RedisStore } from "@kv/redis";
import { SqliteStore } from "@kv/sqlite";
import { copyStore, type TransferReport } from "@kv/transfer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisUrl } from "./servers.ts";

setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

/** The V8 heap in use after a full collection, in bytes. */
function retainedHeap(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

/** The TTL of the entries written in the `batch`th call: every 10th batch never expires. */
function ttlOfBatch(batch: number): number | undefined {
  return batch % 10 === 0 ? undefined : 600 + batch * 37.123;
}

/** Writes `count` entries to a collection, 1000 per `putMany`, each call with its own TTL. */
async function fillSource(store: KeyValue, collection: string, count: number): Promise<void> {
  for (let start = 0; start < count; start += 1000) {
    const entries: Entry[] = [];
    for (let n = start; n < Math.min(count, start + 1000); n++) {
      entries.push([`user:${n}`, { id: n, name: `user ${n}`, tags: ["a", "b"], score: n / 7 }]);
    }
    await store.putMany(entries, { collection, ttl: ttlOfBatch(start / 1000) });
  }
}

/** What copying one collection did, and the most heap it retained above the start. */
interface MeasuredCopy {
  report: TransferReport;
  destination: SqliteStore;
  growth: number;
  /** The time spent measuring the heap (full collections), included in `report.elapsedMs`. */
  measuringMs: number;
}

/**
 * Copies one collection to a new SQLite file, measuring the heap retained (after a full
 * collection) ten times along the way.
 */
async function measuredCopy(
  source: RedisStore,
  collection: string,
  count: number,
  directory: string,
): Promise<MeasuredCopy> {
  const destination = new SqliteStore({ path: join(directory, `${collection}.db`) });
  const every = Math.max(1, Math.round(count / 1000 / 10));
  const baseline = retainedHeap();
  let peak = baseline;
  let batches = 0;
  let measuringMs = 0;
  const report = await copyStore(source, destination, {
    collections: [collection],
    onProgress: () => {
      if (++batches % every !== 0) return;
      const started = performance.now();
      peak = Math.max(peak, retainedHeap());
      measuringMs += performance.now() - started;
    },
  });
  return { report, destination, growth: peak - baseline, measuringMs };
}

/** One line about a measured copy. */
function describeCopy({ report, growth, measuringMs }: MeasuredCopy): string {
  const copyMs = report.elapsedMs - measuringMs;
  const rate = Math.round(report.copied / (copyMs / 1000));
  return (
    `${report.copied} entries in ${copyMs.toFixed(0)} ms (${rate} entries/s; ` +
    `${measuringMs.toFixed(0)} ms more measuring the heap), ` +
    `retained heap at most ${(growth / MB).toFixed(2)} MB above the start`
  );
}

const MB = 1024 * 1024;

describe("copyStore from Redis to SQLite", () => {
  const namespace = `kv-transfer-test-${process.pid}-${Date.now()}`;
  const source = new RedisStore({ url: redisUrl(), namespace });
  const directory = mkdtempSync(join(tmpdir(), "kv-transfer-"));
  const opened: SqliteStore[] = [];

  beforeAll(async () => {
    const started = performance.now();
    await fillSource(source, "small", 10_000);
    await fillSource(source, "large", 100_000);
    console.log(`filled Redis with 110 000 entries in ${ms(started)}`);
  }, 120_000);

  afterAll(async () => {
    await source.destroy();
    await source.close();
    for (const store of opened) await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it("moves 100 000 entries with TTLs within 1 s, in memory independent of the count", async () => {
    const small = await measuredCopy(source, "small", 10_000, directory);
    const large = await measuredCopy(source, "large", 100_000, directory);
    opened.push(small.destination, large.destination);

    console.log(`Redis to SQLite: ${describeCopy(small)}\nRedis to SQLite: ${describeCopy(large)}`);
    expect(small.report).toMatchObject({ aborted: false, expired: 0 });
    expect(large.report).toMatchObject({ aborted: false, expired: 0 });
    // Both stores offer whole-entry access: entries keep their created_at and exact expiry.
    expect(large.report.createdAtPreserved).toBe(true);
    expect(large.report.copied).toBeGreaterThanOrEqual(100_000);
    expect(await large.destination.keys({ collection: "large", limit: 200_000 })).toHaveLength(
      100_000,
    );
    // Holding the 100 000 keys alone would retain several MB more than holding 10 000.
    expect(large.growth).toBeLessThan(small.growth + 2 * MB);

    const sample = Array.from(
      { length: 2000 },
      () => `user:${Math.floor(Math.random() * 100_000)}`,
    );
    const before = await source.ttlMany(sample, { collection: "large" });
    const readBetween = performance.now();
    const after = await large.destination.ttlMany(sample, { collection: "large" });
    const betweenMs = performance.now() - readBetween;
    let worst = 0;
    for (const [index, [value, ttl]] of before.entries()) {
      const [copiedValue, copiedTtl] = after[index] ?? [];
      expect(copiedValue).toEqual(value);
      if (ttl === undefined) {
        expect(copiedTtl).toBeUndefined();
        continue;
      }
      worst = Math.max(worst, Math.abs((copiedTtl as number) - ttl));
    }
    console.log(
      `largest TTL difference in a sample of 2000: ${(worst * 1000).toFixed(0)} ms ` +
        `(of which up to ${betweenMs.toFixed(0)} ms passed between reading the two stores)`,
    );
    expect(worst).toBeLessThan(1);
  }, 120_000);
});

function ms(started: number): string {
  return `${(performance.now() - started).toFixed(0)} ms`;
}
