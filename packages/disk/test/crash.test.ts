import { readdirSync } from "node:fs";
import { temporaryPaths } from "@kv/conformance";
import { DiskStore } from "@kv/disk";
import { countOf } from "@kv/protocol";
import { describe, expect, it } from "vitest";
import { type Fixture, startFixture } from "./fixtures/child-process.ts";
import { checkedValue, crashKeys, isCompleteValue } from "./fixtures/crash-values.ts";

const freshDirectory = temporaryPaths("kv-disk-crash-");
const collections = ["alpha", "Beta/..", "🙂"];
const rounds = 15;

/** Starts a writer process and resolves once it has written its first entry. */
async function startWriter(directory: string, name: string, sync: string): Promise<Fixture> {
  const writer = startFixture("crash-writer.ts", [directory, name, sync]);
  await writer.waitFor("ready");
  return writer;
}

async function killAt(writer: Fixture, delayMs: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  await writer.kill();
}

function namesUnder(directory: string, kind: "file" | "directory"): string[] {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => (kind === "file" ? entry.isFile() : entry.isDirectory()))
    .map((entry) => entry.name);
}

describe("DiskStore under SIGKILL", () => {
  it("keeps every readable entry complete while writers holding locks are killed at random moments", async () => {
    const directory = freshDirectory();
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
      const counter = await store.get("count");
      if (counter !== undefined) expect(countOf(counter)).toBeGreaterThan(0);
    }
    expect(kills).toBe(2 * rounds);

    const store = new DiskStore({ directory });
    await store.cull();
    expect(namesUnder(directory, "file").filter((name) => name.endsWith(".tmp"))).toEqual([]);
    expect(namesUnder(directory, "directory").filter((name) => name.startsWith("."))).toEqual([]);
    expect(namesUnder(directory, "directory").filter((name) => name.endsWith(".lock"))).toEqual([]);
    expect((await store.collections()).sort()).toEqual(
      [...collections, "default_collection"].sort(),
    );
    const fresh = checkedValue("after", 1);
    await store.put("k0", fresh, { collection: "alpha" });
    expect(await store.get("k0", { collection: "alpha" })).toEqual(fresh);
    expect(await store.delete("k0", { collection: "alpha" })).toBe(true);
  }, 120_000); // rounds of child processes: slow on a loaded machine
});
