import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sleep, temporaryPaths } from "@kv/conformance";
import { ConcurrentWriterError, JsonFileStore } from "@kv/json-file";
import { describe, expect, it } from "vitest";
import { type Fixture, startFixture } from "../../disk/test/fixtures/child-process.ts";

const worker = new URL("./fixtures/worker.ts", import.meta.url);
const freshDirectory = temporaryPaths("kv-json-file-processes-");

/** Starts a child holding the lock of `default_collection.json` in `directory`. */
async function holdLock(directory: string): Promise<Fixture> {
  const holder = startFixture(worker, [directory, "hold"]);
  await holder.waitFor("locked");
  return holder;
}

/** Runs `calls` calls in a child process and `mine` in this one, both starting at one moment. */
async function raceWithChild<T>(
  directory: string,
  command: "increment" | "put",
  calls: number,
  lock: boolean,
  mine: () => Promise<T>,
): Promise<{ mine: T; theirs: { results: unknown[]; refused: number } }> {
  const child = startFixture(worker, [directory, command, String(calls), lock ? "lock" : "nolock"]);
  try {
    await child.waitFor("ready");
    const startAt = Date.now() + 300;
    child.send(`go ${startAt}`);
    await sleep(startAt - Date.now());
    const result = await mine();
    const output = await child.waitFor("done");
    const json = output.split("\n").find((line) => line.startsWith("{")) ?? "{}";
    return { mine: result, theirs: JSON.parse(json) };
  } finally {
    await child.kill();
  }
}

function fileText(directory: string): string {
  return readFileSync(join(directory, "default_collection.json"), "utf8");
}

describe("JsonFileStore with a writer in another process", () => {
  it("refuses a write while another process writes the file, naming the file and its pid", async () => {
    const directory = freshDirectory();
    const store = new JsonFileStore({ directory });
    await store.put("before", { n: 1 });
    const before = fileText(directory);
    const holder = await holdLock(directory);
    try {
      const error = await store.put("k", { n: 2 }).catch((caught: unknown) => caught);
      expect(ConcurrentWriterError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({
        file: join(directory, "default_collection.json"),
        pid: holder.child.pid,
        transient: true,
        operation: "put",
      });
      expect((error as Error).message).toContain("lock: true");
      expect(fileText(directory)).toBe(before);
    } finally {
      await holder.kill();
    }
  });

  it("with lock: true, waits for the other process's lock and then writes", async () => {
    const directory = freshDirectory();
    const store = new JsonFileStore({ directory, lock: true });
    await store.put("before", { n: 1 });
    const holder = await holdLock(directory);
    try {
      const pending = store.put("k", { n: 2 });
      const early = await Promise.race([
        pending.then(() => "written"),
        sleep(400).then(() => "waiting"),
      ]);
      expect(early).toBe("waiting");
      holder.send("release");
      await holder.waitFor("released");
      await pending;
      expect(await store.getMany(["before", "k"])).toEqual([{ n: 1 }, { n: 2 }]);
    } finally {
      await holder.kill();
    }
  });

  it("with lock: true, gives up after lockTimeoutMs with ConcurrentWriterError", async () => {
    const directory = freshDirectory();
    const store = new JsonFileStore({ directory, lock: true, lockTimeoutMs: 300 });
    await store.get("warm-up");
    const holder = await holdLock(directory);
    try {
      const error = await store.increment("n").catch((caught: unknown) => caught);
      expect(ConcurrentWriterError.isInstance(error)).toBe(true);
      expect((error as ConcurrentWriterError).waitedMs).toBeGreaterThanOrEqual(300);
      expect(await store.get("n")).toBeUndefined();
    } finally {
      await holder.kill();
    }
  });

  it("breaks the lock of a process killed with SIGKILL while it held it, in either mode", async () => {
    for (const lock of [false, true]) {
      const directory = freshDirectory();
      const holder = await holdLock(directory);
      await holder.kill();
      const store = new JsonFileStore({ directory, lock });
      await store.put("k", { lock });
      expect(await store.get("k")).toEqual({ lock });
      expect(readdirSync(directory)).toEqual(["default_collection.json"]);
    }
  });

  it("with lock: true, counts 300 increments from each of two processes exactly", async () => {
    const directory = freshDirectory();
    const store = new JsonFileStore({ directory, lock: true, fsync: false });
    await store.get("warm-up");
    const { mine, theirs } = await raceWithChild(directory, "increment", 300, true, async () => {
      const counts: number[] = [];
      for (let call = 0; call < 300; call++) counts.push(await store.increment("hits"));
      return counts;
    });
    const all = [...mine, ...(theirs.results as number[])].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 600 }, (_, index) => index + 1));
    expect(await store.get("hits")).toEqual({ count: 600 });
  });

  it("without lock, never loses a write that resolved: a refused one is reported, not dropped", async () => {
    const directory = freshDirectory();
    const store = new JsonFileStore({ directory, fsync: false });
    await store.get("warm-up");
    const { mine, theirs } = await raceWithChild(directory, "put", 150, false, async () => {
      const written: string[] = [];
      let refused = 0;
      for (let call = 0; call < 150; call++) {
        try {
          await store.put(`parent-${call}`, { call });
          written.push(`parent-${call}`);
        } catch (error) {
          if (!ConcurrentWriterError.isInstance(error)) throw error;
          refused++;
        }
      }
      return { written, refused };
    });
    const stored = new Set(await store.keys());
    for (const key of [...mine.written, ...(theirs.results as string[])]) {
      expect(stored.has(key), key).toBe(true);
    }
    expect(stored.size).toBe(mine.written.length + theirs.results.length);
    expect(theirs.results).toHaveLength(150);
  });
});
