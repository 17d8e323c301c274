import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SqliteStore } from "@kv/sqlite";
import { afterAll, describe, expect, it } from "vitest";
import {
  attemptsPerKey,
  incrementsPerProcess,
  type RaceResult,
  race,
  raceKeys,
} from "./fixtures/race.ts";

const workerScript = fileURLToPath(new URL("./fixtures/race-worker.ts", import.meta.url));
const packageRoot = fileURLToPath(new URL("..", import.meta.url));
const root = mkdtempSync(join(tmpdir(), "kv-sqlite-processes-"));

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A worker process on `path`, once it has opened the file, and what it will print when done. */
async function startWorker(path: string): Promise<{ go: () => void; result: Promise<RaceResult> }> {
  const child = spawn(
    process.execPath,
    ["--conditions=@kv/source", "--import", "tsx", workerScript, path],
    { cwd: packageRoot, stdio: ["pipe", "pipe", "inherit"] },
  );
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = once(child, "exit").then(([code]) => {
    if (code !== 0) throw new Error(`worker exited with ${String(code)}: ${output}`);
    return JSON.parse(output.slice(output.indexOf("\n") + 1)) as RaceResult;
  });
  const ready = new Promise<void>((resolve) => {
    child.stdout.on("data", () => {
      if (output.startsWith("ready\n")) resolve();
    });
  });
  await Promise.race([ready, exited]);
  return { go: () => child.stdin.write("go\n"), result: exited };
}

describe("SqliteStore from two processes on one file", () => {
  it("lets exactly one of 50 putIfAbsent calls per key win, and counts every increment once", async () => {
    const path = join(root, "race.sqlite");
    const store = new SqliteStore({ path });
    await store.get("warm-up");
    const worker = await startWorker(path);
    worker.go();
    const [parent, child] = await Promise.all([race(store, "parent"), worker.result]);

    for (const [index, key] of raceKeys.entries()) {
      const results = [...(parent.won[index] ?? []), ...(child.won[index] ?? [])];
      expect(results).toHaveLength(2 * attemptsPerKey);
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = parent.won[index]?.includes(true) ? "parent" : "child";
      expect(await store.get(key)).toMatchObject({ writer: winner });
    }
    const counts = [...parent.counts, ...child.counts].sort((a, b) => a - b);
    const total = 2 * incrementsPerProcess;
    expect(counts).toEqual(Array.from({ length: total }, (_, index) => index + 1));
    expect(await store.get("hits")).toEqual({ count: total });
    await store.close();
  });
});
