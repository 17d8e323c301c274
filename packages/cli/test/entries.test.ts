import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonLines, kv } from "./kv.ts";
import { redisUrl } from "./servers.ts";

let directory: string;
let sqlite: string;

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), "kv-cli-entries-"));
  sqlite = `sqlite:${join(directory, "entries.db")}`;
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe.each([
  ["SQLite", () => sqlite],
  ["Redis", () => redisUrl()],
])("kv get, put, ttl, delete on %s", (_, url) => {
  it("puts a value from the argument and gets it back as a JSON line", async () => {
    const put = await kv(["put", url(), "u1", '{"name":"Ada"}', "--collection", "users"]);
    expect(put).toMatchObject({ code: 0, stderr: "" });
    expect(jsonLines(put.stdout)).toEqual([
      { key: "u1", collection: "users", ttl: null, stored: true },
    ]);

    const get = await kv(["get", url(), "u1", "--collection", "users"]);

    expect(get).toMatchObject({ code: 0, stderr: "" });
    expect(jsonLines(get.stdout)).toEqual([
      { key: "u1", collection: "users", value: { name: "Ada" } },
    ]);
  });

  it("reads the value from a file or from stdin", async () => {
    const file = join(directory, "value.json");
    writeFileSync(file, '{"from":"file"}');
    expect((await kv(["put", url(), "f", "--file", file])).code).toBe(0);
    expect((await kv(["put", url(), "s"], { input: '{"from":"stdin"}' })).code).toBe(0);
    expect((await kv(["put", url(), "d", "-"], { input: '{"from":"dash"}' })).code).toBe(0);

    const values = await Promise.all(["f", "s", "d"].map((key) => kv(["get", url(), key])));

    expect(values.map(({ stdout }) => (jsonLines(stdout)[0] as { value: unknown }).value)).toEqual([
      { from: "file" },
      { from: "stdin" },
      { from: "dash" },
    ]);
  });

  it("puts with a TTL in seconds or as a duration; ttl prints the seconds left", async () => {
    await kv(["put", url(), "t1", '{"a":1}', "--ttl", "90"]);
    await kv(["put", url(), "t2", '{"a":2}', "--ttl", "2h"]);
    await kv(["put", url(), "t3", '{"a":3}']);

    const [t1, t2, t3] = await Promise.all(
      ["t1", "t2", "t3"].map((key) => kv(["ttl", url(), key])),
    );

    const ttlOf = (run: { stdout: string } | undefined) =>
      (jsonLines(run?.stdout ?? "")[0] as { ttl: number | null }).ttl;
    expect(ttlOf(t1)).toBeGreaterThan(60);
    expect(ttlOf(t1)).toBeLessThanOrEqual(90);
    expect(ttlOf(t2)).toBeGreaterThan(7100);
    expect(ttlOf(t3)).toBeNull();
  });

  it("deletes a key, then reports it missing with exit code 3", async () => {
    await kv(["put", url(), "gone", '{"a":1}']);

    const deleted = await kv(["delete", url(), "gone"]);
    expect(deleted.code).toBe(0);
    expect(jsonLines(deleted.stdout)).toEqual([{ key: "gone", deleted: true }]);

    for (const command of ["get", "ttl", "delete"]) {
      const missing = await kv([command, url(), "gone"]);
      expect(missing).toMatchObject({ code: 3, stdout: "" });
      expect(missing.stderr).toBe("kv: gone in collection default_collection not found\n");
    }
  });
});

describe("usage errors exit with code 2 and one line", () => {
  it.each([
    [
      "a value that is not JSON",
      ["put", "memory:", "k", "{nope"],
      /the value argument is not JSON/,
    ],
    ["a value that is not an object", ["put", "memory:", "k", "[1,2]"], /must be a JSON object/],
    ["a bad TTL", ["put", "memory:", "k", "{}", "--ttl", "-5"], /TTL must be a positive/],
    [
      "a value twice",
      ["put", "memory:", "k", "{}", "--file", "x.json"],
      /either as an argument or with --file/,
    ],
    ["a bad limit", ["keys", "memory:", "--limit", "0"], /--limit must be a positive integer/],
    [
      "a bad batch size",
      ["copy", "memory:", "memory:", "--batch", "x"],
      /--batch must be a positive integer/,
    ],
    [
      "an unknown option",
      ["get", "memory:", "k", "--colection", "a"],
      /unknown option '--colection'/,
    ],
    ["a missing argument", ["get", "memory:"], /missing required argument 'key'/],
    ["an unknown command", ["frob"], /unknown command 'frob'/],
    [
      "a bad progress mode",
      ["--progress", "loud", "keys", "memory:"],
      /--progress <mode>' argument 'loud' is invalid/,
    ],
    [
      "an argument that is no store",
      ["keys", "nothing-here"],
      /neither a store URL .* nor a configuration file/,
    ],
    [
      "a missing configuration file",
      ["keys", "missing.yaml"],
      /the configuration file missing.yaml does not exist/,
    ],
    ["an unknown URL option", ["keys", "memory:?max_entrys=5"], /max_entrys/],
  ])("%s", async (_, args, message) => {
    const run = await kv(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    const [line, ...rest] = run.stderr.trim().split("\n");
    expect(line).toMatch(message);
    expect(rest.filter((more) => !more.startsWith("(Did you mean"))).toEqual([]);
  });

  it("--help and --version exit with code 0", async () => {
    const help = await kv(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: kv \[options\] \[command\]/);
    const version = await kv(["--version"]);
    expect(version).toMatchObject({ code: 0, stdout: "0.0.0\n" });
  });
});
