import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { sleep, temporaryPaths } from "@kv/conformance";
import { DiskStore } from "@kv/disk";
import { ManualClock, NotACounterError, type Value } from "@kv/protocol";
import { describe, expect, it } from "vitest";
import { hostTag } from "../src/atomic-file.ts";
import { staleLockMs } from "../src/file-lock.ts";
import { startFixture } from "./fixtures/child-process.ts";

const freshDirectory = temporaryPaths("kv-disk-atomic-");

/** Lock and staging directories below `directory`, as paths relative to it. */
function lockLeftovers(directory: string): string[] {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isDirectory() && /\.(?:lock|tmp)$/.test(entry.name))
    .map((entry) => relative(directory, join(entry.parentPath, entry.name)));
}

/** Makes the lock directory of `key` by hand, held by the owner named. */
function placeLock(directory: string, key: string, owner: string): void {
  mkdirSync(join(directory, "default_collection", `${key}.lock`, owner), { recursive: true });
}

const otherHost = hostTag === "00000000" ? "11111111" : "00000000";
const ownerTaken = (host: string, pid: number, at: number) =>
  `${host}-${pid}-0123456789ab-${at.toString(36)}`;

/**
 * Runs `calls` calls on each of `keys` keys in a child process and in this one, all starting at
 * the same moment.
 */
async function raceWithChild<T>(
  store: DiskStore,
  command: "putIfAbsent" | "increment",
  calls: number,
  keys: number,
  call: (key: number, index: number) => Promise<T>,
): Promise<{ mine: T[][]; theirs: T[][] }> {
  const child = startFixture("atomic-worker.ts", [
    store.directory,
    command,
    String(calls),
    String(keys),
  ]);
  try {
    await child.waitFor("ready");
    const startAt = Date.now() + 300;
    child.send(`go ${startAt}`);
    await sleep(startAt - Date.now());
    const mine = await Promise.all(
      Array.from({ length: keys }, (_, key) =>
        Promise.all(Array.from({ length: calls }, (_, index) => call(key, index))),
      ),
    );
    const output = await child.waitFor("done");
    const json = output.split("\n").find((line) => line.startsWith("[")) ?? "[]";
    return { mine, theirs: JSON.parse(json) as T[][] };
  } finally {
    await child.kill();
  }
}

describe("DiskStore atomic operations on disk", () => {
  it("stores a counter as py-key-value's entry document holding { count }", async () => {
    const directory = freshDirectory();
    const clock = new ManualClock(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    const store = new DiskStore({ directory, clock });
    await store.increment("hits", { collection: "stats", ttl: 60 });
    clock.advanceSeconds(1);
    expect(await store.increment("hits", { collection: "stats", by: 41 })).toBe(42);
    const document: unknown = JSON.parse(
      readFileSync(join(directory, "stats", "hits.json"), "utf8"),
    );
    expect(document).toEqual({
      collection: "stats",
      created_at: "2026-01-02T03:04:05.678000+00:00",
      expires_at: "2026-01-02T03:05:05.678000+00:00",
      key: "hits",
      value: { count: 42 },
      version: 1,
    });
  });

  it("leaves a value that is not a counter byte for byte in its file", async () => {
    const directory = freshDirectory();
    const store = new DiskStore({ directory });
    await store.put("v", { count: "7" });
    const path = join(directory, "default_collection", "v.json");
    const before = { text: readFileSync(path, "utf8"), ino: statSync(path).ino };
    await expect(store.increment("v")).rejects.toSatisfy(NotACounterError.isInstance);
    expect({ text: readFileSync(path, "utf8"), ino: statSync(path).ino }).toEqual(before);
    expect(lockLeftovers(directory)).toEqual([]);
  });

  it("gives every write a new version, even one of the same bytes in the same millisecond", async () => {
    const store = new DiskStore({ directory: freshDirectory(), clock: new ManualClock() });
    await store.put("k", { n: 1 });
    const first = await store.getVersioned("k");
    await store.put("k", { n: 1 });
    const second = await store.getVersioned("k");
    expect(second?.version).not.toBe(first?.version);
    expect(await store.putIfVersion("k", { n: 2 }, first?.version ?? "")).toBe(false);
    expect(await store.putIfVersion("k", { n: 2 }, second?.version ?? "")).toBe(true);
  });

  it("leaves no lock or staging directory behind", async () => {
    const directory = freshDirectory();
    const store = new DiskStore({ directory, fanOutLevels: 1 });
    await Promise.all([
      ...Array.from({ length: 20 }, () => store.increment("n")),
      ...Array.from({ length: 20 }, (_, index) => store.putIfAbsent(`p${index % 3}`, { index })),
      store.putMany([["a", { a: 1 }]]),
      store.deleteMany(["a", "p0"]),
      store.touch("n", { ttl: 100 }),
    ]);
    expect(await store.get("n")).toEqual({ count: 20 });
    expect(lockLeftovers(directory)).toEqual([]);
  });
});

describe("DiskStore entry locks", () => {
  it("breaks the lock of a process killed with SIGKILL while it held it", async () => {
    const directory = freshDirectory();
    const holder = startFixture("atomic-worker.ts", [directory, "hold"]);
    try {
      await holder.waitFor("locked");
      const store = new DiskStore({ directory });
      const pending = store.increment("held");
      const early = await Promise.race([pending.then(() => "done"), sleep(400).then(() => "held")]);
      expect(early).toBe("held");
      await holder.kill();
      const killedAt = Date.now();
      expect(await pending).toBe(1);
      expect(Date.now() - killedAt).toBeLessThan(1_000);
      expect(lockLeftovers(directory)).toEqual([]);
    } finally {
      await holder.kill();
    }
  });

  it("breaks a lock held longer than the bound, whoever holds it", async () => {
    const directory = freshDirectory();
    const store = new DiskStore({ directory });
    await store.put("k", { count: 1 });
    placeLock(directory, "k", ownerTaken(otherHost, process.pid, Date.now() - staleLockMs - 1));
    expect(await store.increment("k")).toBe(2);
    expect(lockLeftovers(directory)).toEqual([]);
  });

  it("waits for a live lock until it reaches the bound", async () => {
    const directory = freshDirectory();
    const store = new DiskStore({ directory });
    await store.put("k", { n: 1 });
    placeLock(directory, "k", ownerTaken(otherHost, process.pid, Date.now() - staleLockMs + 600));
    const started = Date.now();
    expect(await store.putIfAbsent("k", { n: 2 })).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(await store.get("k")).toEqual({ n: 1 });
  });

  it("takes over a lock directory left empty by an owner that died while releasing it", async () => {
    const directory = freshDirectory();
    const store = new DiskStore({ directory });
    mkdirSync(join(directory, "default_collection", "k.lock"), { recursive: true });
    expect(await store.putIfAbsent("k", { n: 1 })).toBe(true);
    expect(lockLeftovers(directory)).toEqual([]);
  });

  it("removes stale locks and staging directories on cull and keeps live ones", async () => {
    const directory = freshDirectory();
    const store = new DiskStore({ directory });
    await store.put("k", { n: 1 });
    const deadPid = spawnSync(process.execPath, ["-e", ""]).pid ?? 999_999;
    const staging = `.${hostTag}-${deadPid}-0123456789ab.tmp`;
    mkdirSync(join(directory, "default_collection", staging, "owner"), { recursive: true });
    placeLock(directory, "old", ownerTaken(otherHost, 1, Date.now() - staleLockMs - 1));
    placeLock(directory, "dead", ownerTaken(hostTag, deadPid, Date.now()));
    placeLock(directory, "live", ownerTaken(hostTag, process.pid, Date.now()));
    mkdirSync(join(directory, "default_collection", "empty.lock"));
    await store.cull();
    expect(lockLeftovers(directory)).toEqual([join("default_collection", "live.lock")]);
  });
});

describe("DiskStore atomic operations between two processes", () => {
  it("lets exactly one of 50 putIfAbsent calls on a key, split between two processes, win", async () => {
    const store = new DiskStore({ directory: freshDirectory() });
    await store.get("warm-up");
    const keys = 8;
    const { mine, theirs } = await raceWithChild(store, "putIfAbsent", 25, keys, (key, index) =>
      store.putIfAbsent(`lock-${key}`, { writer: `parent-${index}` }),
    );
    for (let key = 0; key < keys; key++) {
      const here = mine[key] ?? [];
      const there = theirs[key] ?? [];
      expect([...here, ...there].filter(Boolean)).toHaveLength(1);
      const winner = here.includes(true)
        ? `parent-${here.indexOf(true)}`
        : `child-${there.indexOf(true)}`;
      expect(await store.get(`lock-${key}`)).toEqual({ writer: winner } satisfies Value);
    }
  });

  it("counts concurrent increments from two processes exactly", async () => {
    const store = new DiskStore({ directory: freshDirectory() });
    await store.get("warm-up");
    const { mine, theirs } = await raceWithChild(store, "increment", 250, 2, (key) =>
      store.increment(`hits-${key}`),
    );
    for (const key of [0, 1]) {
      const counts = [...(mine[key] ?? []), ...(theirs[key] ?? [])];
      expect(counts.sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, n) => n + 1));
      expect(await store.get(`hits-${key}`)).toEqual({ count: 500 });
    }
  });
});
