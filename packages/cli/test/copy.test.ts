import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Entry } from "@kv/protocol";
import { RedisStore } from "@kv/redis";
import { SqliteStore } from "@kv/sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { finished, jsonLines, kv, start } from "./kv.ts";
import { flushRedis } from "./redis.ts";
import { redisUrl } from "./servers.ts";

const count = 100_000;
const collection = "users";

/** The TTL of the `batch`th thousand entries: every tenth thousand never expires. */
function ttlOfBatch(batch: number): number | undefined {
  return batch % 10 === 0 ? undefined : 600 + batch * 37.5;
}

interface CopyReport {
  command: string;
  copied: number;
  skipped: number;
  expired: number;
  aborted: boolean;
  createdAtPreserved: boolean;
  resume?: { collections: string[]; after: Record<string, string> };
  resumeCommand?: string;
}

let directory: string;
let source: RedisStore;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), "kv-cli-copy-"));
  await flushRedis();
  source = new RedisStore({ url: redisUrl() });
  for (let start = 0; start < count; start += 1000) {
    const entries: Entry[] = [];
    for (let n = start; n < start + 1000; n++) {
      entries.push([`user:${n}`, { id: n, name: `user ${n}`, tags: ["a", "b"] }]);
    }
    await source.putMany(entries, { collection, ttl: ttlOfBatch(start / 1000) });
  }
}, 120_000);

afterAll(async () => {
  await source?.close();
  await flushRedis();
  rmSync(directory, { recursive: true, force: true });
});

describe("kv copy from Redis to SQLite", () => {
  it("copies 100 000 entries with their TTLs, stopped by Ctrl-C and resumed with --after", async () => {
    const destination = `sqlite:${join(directory, "copy.db")}`;
    const args = ["copy", redisUrl(), destination, "--collection", collection, "--batch", "1000"];

    const first = start(["--progress", "json", ...args]);
    let interrupted = false;
    first.stderr?.on("data", (chunk: Buffer) => {
      if (!interrupted && chunk.toString().includes('{"progress"')) {
        interrupted = true;
        first.kill("SIGINT");
      }
    });
    const stopped = await finished(first);

    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toMatch(/stopping after the current batch/);
    const [report] = jsonLines(stopped.stdout) as CopyReport[];
    expect(report).toMatchObject({ command: "copy", aborted: true, expired: 0 });
    expect(report?.copied).toBeGreaterThan(0);
    expect(report?.copied).toBeLessThan(count);
    expect((report?.copied ?? 0) % 1000).toBe(0);
    const after = report?.resume?.after[collection] as string;
    expect(after).toMatch(/^user:\d+$/);
    expect(report?.resumeCommand).toContain(`--collection ${collection} --after ${after}`);

    const resumed = await kv([...args, "--after", after]);

    expect(resumed).toMatchObject({ code: 0, stderr: "" });
    const [rest] = jsonLines(resumed.stdout) as CopyReport[];
    expect(rest).toMatchObject({
      aborted: false,
      skipped: report?.copied,
      createdAtPreserved: true,
    });
    expect((report?.copied ?? 0) + (rest?.copied ?? 0)).toBe(count);

    const copy = new SqliteStore({ path: join(directory, "copy.db") });
    try {
      const keys = await copy.keys({ collection, limit: count + 1 });
      expect(keys).toHaveLength(count);
      const sample = Array.from({ length: 2000 }, (_, i) => `user:${i * 50 + (i % 50)}`);
      const [expected, actual] = await Promise.all([
        source.ttlMany(sample, { collection }),
        copy.ttlMany(sample, { collection }),
      ]);
      let largest = 0;
      for (let i = 0; i < sample.length; i++) {
        const [value, ttl] = expected[i] ?? [];
        const [copiedValue, copiedTtl] = actual[i] ?? [];
        expect(copiedValue).toEqual(value);
        if (ttl === undefined) {
          expect(copiedTtl).toBeUndefined();
          continue;
        }
        largest = Math.max(largest, Math.abs((copiedTtl ?? 0) - ttl));
      }
      expect(largest).toBeLessThan(1);
    } finally {
      await copy.close();
    }
  });

  it("--dry-run counts without writing; --ttl drop makes copies that never expire", async () => {
    const path = join(directory, "ttl.db");
    const destination = `sqlite:${path}`;
    const base = ["copy", redisUrl(), destination, "--collection", collection];

    const dry = await kv([...base, "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(jsonLines(dry.stdout)[0]).toMatchObject({ dryRun: true, copied: count });
    expect(
      (await kv(["keys", destination, "--collection", collection, "--limit", "1"])).stdout,
    ).toBe("");

    const dropped = await kv([...base, "--ttl", "drop", "--batch", "5000"]);
    expect(dropped.code).toBe(0);
    const ttl = await kv(["ttl", destination, "user:1", "--collection", collection]);
    expect(jsonLines(ttl.stdout)).toEqual([{ key: "user:1", collection, ttl: null }]);
  });
});
