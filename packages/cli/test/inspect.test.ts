import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "@kv/protocol";
import { RedisStore } from "@kv/redis";
import { SqliteStore } from "@kv/sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonLines, kv } from "./kv.ts";
import { flushRedis } from "./redis.ts";
import { redisUrl } from "./servers.ts";

let directory: string;
let sqlitePath: string;
let sqlite: string;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), "kv-cli-inspect-"));
  sqlitePath = join(directory, "inspect.db");
  sqlite = `sqlite:${sqlitePath}`;
  const clock = new ManualClock(Date.now() - 60_000);
  const store = new SqliteStore({ path: sqlitePath, clock });
  await store.putMany(
    [
      ["u1", { name: "Ada" }],
      ["u2", { name: "Alan" }],
    ],
    { collection: "users" },
  );
  await store.putMany(
    [
      ["old1", { name: "x" }],
      ["old2", { name: "y" }],
      ["old3", { name: "z" }],
    ],
    { collection: "users", ttl: 1 },
  );
  await store.put("s1", { user: "u1" }, { collection: "sessions", ttl: 1 });
  await store.put("s2", { user: "u2" }, { collection: "sessions", ttl: 3600 });
  await store.close();
  await flushRedis();
  const redis = new RedisStore({ url: redisUrl() });
  await redis.putMany(
    [
      ["a", { n: 1 }],
      ["b", { n: 2 }],
    ],
    { collection: "letters" },
  );
  await redis.close();
});
afterAll(async () => {
  await flushRedis();
  rmSync(directory, { recursive: true, force: true });
});

describe("kv keys and kv collections", () => {
  it("list the keys of a collection and the collections, as JSON lines", async () => {
    const keys = await kv(["keys", sqlite, "--collection", "users"]);
    expect(keys.code).toBe(0);
    expect(jsonLines(keys.stdout)).toEqual([{ key: "u1" }, { key: "u2" }]);

    const limited = await kv(["keys", sqlite, "--collection", "users", "--limit", "1"]);
    expect(jsonLines(limited.stdout)).toEqual([{ key: "u1" }]);

    const collections = await kv(["collections", sqlite]);
    expect(jsonLines(collections.stdout)).toEqual([
      { collection: "sessions" },
      { collection: "users" },
    ]);
  });
});

describe("kv stats", () => {
  it("counts entries, value bytes, and the expired rows a SQLite file still holds", async () => {
    const run = await kv(["stats", sqlite]);

    expect(run).toMatchObject({ code: 0, stderr: "" });
    const bytes = (...values: object[]) =>
      values.reduce((sum: number, value) => sum + JSON.stringify(value).length, 0);
    expect(jsonLines(run.stdout)).toEqual([
      { collection: "sessions", entries: 1, expired: 1, bytes: bytes({ user: "u2" }) },
      {
        collection: "users",
        entries: 2,
        expired: 3,
        bytes: bytes({ name: "Ada" }, { name: "Alan" }),
      },
    ]);
  });

  it('says "unknown" for expired entries where the store cannot tell (Redis)', async () => {
    const run = await kv(["stats", redisUrl()]);

    expect(run.code).toBe(0);
    expect(jsonLines(run.stdout)).toEqual([
      { collection: "letters", entries: 2, expired: "unknown", bytes: 14 },
    ]);
  });

  it("kv cull removes the expired rows; stats then counts none", async () => {
    const copy = join(directory, "cull.db");
    await kv(["copy", sqlite, `sqlite:${copy}`, "--ttl", "drop"]);
    const culled = await kv(["cull", sqlite]);
    expect(culled.code).toBe(0);
    expect(jsonLines(culled.stdout)).toEqual([{ culled: true, elapsedMs: expect.any(Number) }]);

    const run = await kv(["stats", sqlite, "--collection", "users"]);

    expect(jsonLines(run.stdout)).toEqual([expect.objectContaining({ entries: 2, expired: 0 })]);
  });
});

describe("kv sync and kv clear", () => {
  it("sync makes the destination hold what the source holds; clear empties it", async () => {
    const target = `sqlite:${join(directory, "sync.db")}`;
    await kv(["put", target, "stale", '{"x":1}', "--collection", "users"]);

    const synced = await kv(["sync", sqlite, target, "--yes"]);
    expect(synced.code).toBe(0);
    expect(jsonLines(synced.stdout)[0]).toMatchObject({ command: "sync", copied: 3, deleted: 1 });
    expect(jsonLines((await kv(["keys", target, "--collection", "users"])).stdout)).toEqual([
      { key: "u1" },
      { key: "u2" },
    ]);

    const cleared = await kv(["clear", target, "--collection", "users", "--yes"]);
    expect(jsonLines(cleared.stdout)[0]).toMatchObject({ command: "clear", deleted: 2 });
    expect(jsonLines((await kv(["collections", target])).stdout)).toEqual([
      { collection: "sessions" },
    ]);
  });
});

describe("stores from a configuration file", () => {
  it("uses main, or the store named after #", async () => {
    const file = join(directory, "stores.yaml");
    writeFileSync(
      file,
      [
        "stores:",
        "  local:",
        `    url: ${sqlite}`,
        "  cache:",
        "    type: prefix-collections",
        "    base: local",
        "    config: { prefix: cache }",
        "main: local",
      ].join("\n"),
    );

    const main = await kv(["keys", file, "--collection", "users"]);
    expect(jsonLines(main.stdout)).toHaveLength(2);
    await kv(["put", `${file}#cache`, "c1", '{"v":1}', "--collection", "pages"]);
    const prefixed = await kv(["collections", sqlite]);
    expect(jsonLines(prefixed.stdout)).toContainEqual({ collection: "cache__pages" });
  });
});

describe("kv bench", () => {
  it("reports operations per second for single and bulk calls, and leaves nothing behind", async () => {
    const run = await kv(["bench", redisUrl(), "--seconds", "0.8", "--collection", "bench"]);

    expect(run).toMatchObject({ code: 0, stderr: "" });
    const results = jsonLines(run.stdout) as { workload: string; perSecond: number }[];
    expect(results.map((each) => each.workload)).toEqual([
      "put",
      "get",
      "putMany(100)",
      "getMany(100)",
    ]);
    for (const each of results) expect(each.perSecond).toBeGreaterThan(0);
    expect((await kv(["keys", redisUrl(), "--collection", "bench"])).stdout).toBe("");
  });
});
