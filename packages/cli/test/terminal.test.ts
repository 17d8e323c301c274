import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Entry } from "@kv/protocol";
import { SqliteStore } from "@kv/sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { binary, jsonLines, kv, kvInTerminal } from "./kv.ts";

const execute = promisify(execFile);

let directory: string;
let source: string;
const count = 20_000;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), "kv-cli-terminal-"));
  const store = new SqliteStore({ path: join(directory, "source.db") });
  for (let start = 0; start < count; start += 1000) {
    const entries: Entry[] = Array.from({ length: 1000 }, (_, i) => [
      `k${start + i}`,
      { n: start + i },
    ]);
    await store.putMany(entries, { collection: "items", ttl: 3600 });
  }
  await store.close();
  source = `sqlite:${join(directory, "source.db")}`;
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** The copy command the tests run, into a new file each time. */
const copyTo = (name: string) => [
  "copy",
  source,
  `sqlite:${join(directory, name)}`,
  "--batch",
  "100",
];

describe("on a terminal", () => {
  it("copy shows a progress bar with its rate and ETA on stderr, and a summary for people", async () => {
    // Small batches make the copy last long enough for the count of the keys (the bar's total).
    const run = await kvInTerminal([...copyTo("bar.db"), "--batch", "50"]);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /copying items .*\d+% \| [\d ]+\/20 000 keys \| [\d ]+ keys\/s \| ETA \d+/,
    );
    expect(run.stdout).toMatch(
      /copied 20 000 entries \([\d.]+ KB\) from sqlite:.* to sqlite:.* in [\d.]+ (s|ms)/,
    );
  });

  it("the bar goes to stderr: with stdout in a file, the file gets only the JSON report", async () => {
    const file = join(directory, "report.jsonl");

    const run = await kvInTerminal(copyTo("stderr.db"), "", file);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/copying items .*keys\/s/);
    expect(run.stdout).not.toMatch(/"command"/);
    expect(jsonLines(readFileSync(file, "utf8"))).toEqual([
      expect.objectContaining({ command: "copy", copied: count }),
    ]);
  });

  it("stats prints a table", async () => {
    const run = await kvInTerminal(["stats", source]);

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/collection\s+entries\s+expired, not culled\s+value bytes/);
    expect(run.stdout).toMatch(/items\s+20 000\s+0\s+[\d.]+ KB/);
  });

  it("clear asks for confirmation, and deletes only after yes", async () => {
    await kv(copyTo("clear.db"));
    const target = `sqlite:${join(directory, "clear.db")}`;

    const declined = await kvInTerminal(["clear", target], "n\r");
    expect(declined.code).toBe(1);
    expect(declined.stdout).toMatch(
      /delete every entry of collection items in sqlite:.*clear\.db\? \[y\/N\]/,
    );
    expect(jsonLines((await kv(["stats", target])).stdout)).toMatchObject([{ entries: count }]);

    const accepted = await kvInTerminal(["clear", target], "y\r");
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toMatch(/deleted 20 000 entries in sqlite:/);
    expect((await kv(["collections", target])).stdout).toBe("");
  });
});

describe("piped", () => {
  it("prints no progress bar, and JSON lines on stdout", async () => {
    const run = await kv(copyTo("piped.db"));

    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(jsonLines(run.stdout)).toEqual([
      expect.objectContaining({ command: "copy", copied: count, aborted: false }),
    ]);
  });

  it("--progress json reports each batch as a JSON line on stderr", async () => {
    const run = await kv(["--progress", "json", ...copyTo("lines.db"), "--batch", "5000"]);

    expect(run.code).toBe(0);
    const progress = jsonLines(run.stderr) as { progress: { keys: number; collection: string } }[];
    expect(progress.map(({ progress: p }) => [p.collection, p.keys])).toEqual([
      ["items", 5000],
      ["items", 10_000],
      ["items", 15_000],
      ["items", 20_000],
    ]);
  });

  it("a resume key that is not in the source exits with code 3 before copying", async () => {
    const run = await kv([...copyTo("after.db"), "--collection", "items", "--after", "k-gone"]);

    expect(run.code).toBe(3);
    expect(run.stderr).toBe(
      "kv: the key to resume after (k-gone) is not in the source of collection items: copy again without --after (writes are idempotent)\n",
    );
    expect((await kv(["collections", `sqlite:${join(directory, "after.db")}`])).stdout).toBe("");
  });

  it("ends quietly with code 0 when the reader closes the pipe early", async () => {
    const pipeline = `"${process.execPath}" "${binary}" keys ${source} --collection items | head -n 1; echo "kv exited with \${PIPESTATUS[0]}" >&2`;

    const { stdout, stderr } = await execute("bash", ["-c", pipeline]);

    expect(stdout).toBe('{"key":"k0"}\n');
    expect(stderr).toBe("kv exited with 0\n");
  });

  it("clear and sync need --yes", async () => {
    for (const args of [
      ["clear", source],
      ["sync", source, `sqlite:${join(directory, "sync.db")}`],
    ]) {
      const run = await kv(args);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/: pass --yes to confirm\n$/);
    }
    expect(jsonLines((await kv(["stats", source])).stdout)).toMatchObject([{ entries: count }]);
  });
});
