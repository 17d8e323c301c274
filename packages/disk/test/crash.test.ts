import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DiskStore } from "@kv/disk";
import { afterAll, describe, expect, it } from "vitest";
import { checkedValue, crashKeys, isCompleteValue } from "./fixtures/crash-values.ts";

const writerScript = fileURLToPath(new URL("./fixtures/crash-writer.ts", import.meta.url));
const packageRoot = fileURLToPath(new URL("..", import.meta.url));
const root = mkdtempSync(join(tmpdir(), "kv-disk-crash-"));
const collections = ["alpha", "Beta/..", "🙂"];
const rounds = 15;

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Starts a writer process and resolves once it has written its first entry. */
async function startWriter(directory: string, name: string, sync: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ["--conditions=@kv/source", "--import", "tsx", writerScript, directory, name, sync],
    { cwd: packageRoot, stdio: ["ignore", "pipe", "inherit"] },
  );
  let output = "";
  const exited = once(child, "exit").then(([code]) => {
    throw new Error(`writer ${name} exited with ${String(code)} before it was ready`);
  });
  const ready = new Promise<void>((resolve) => {
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("ready")) resolve();
    });
  });
  await Promise.race([ready, exited]);
  exited.catch(() => undefined);
  return child;
}

async function killAt(child: ChildProcess, delayMs: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  await exited;
}

function filesUnder(directory: string): string[] {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name);
}

describe("DiskStore under SIGKILL", () => {
  it("keeps every readable entry complete while writers are killed at random moments", async () => {
    const directory = join(root, "store");
    let kills = 0;
    for (let round = 0; round < rounds; round++) {
      const writers = await Promise.all([
        startWriter(directory, `a${round}`, "fsync"),
        startWriter(directory, `b${round}`, "nofsync"),
      ]);
      await Promise.all(writers.map((child) => killAt(child, Math.random() * 120)));
      kills += writers.length;

      const store = new DiskStore({ directory });
      for (const collection of collections) {
        for (const value of await store.getMany(crashKeys, { collection })) {
          if (value !== undefined) expect(isCompleteValue(value)).toBe(true);
        }
        for (const key of await store.keys({ collection })) {
          expect(crashKeys).toContain(key);
        }
      }
      const shared = await store.get("shared");
      expect(isCompleteValue(shared)).toBe(true);
    }
    expect(kills).toBe(2 * rounds);

    const store = new DiskStore({ directory });
    await store.cull();
    expect(filesUnder(directory).filter((name) => name.endsWith(".tmp"))).toEqual([]);
    expect((await store.collections()).sort()).toEqual(
      [...collections, "default_collection"].sort(),
    );
    const fresh = checkedValue("after", 1);
    await store.put("k0", fresh, { collection: "alpha" });
    expect(await store.get("k0", { collection: "alpha" })).toEqual(fresh);
    expect(await store.delete("k0", { collection: "alpha" })).toBe(true);
  });
});
