import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join, relative } from "node:path";
import {
  entryDocumentFields,
  hostileNames,
  pythonTimestamp,
  storeWithExpiredEntry,
  temporaryPaths,
} from "@kv/conformance";
import { DiskStore } from "@kv/disk";
import {
  DeserializationError,
  type ErrorContext,
  type KeyValueError,
  ManualClock,
  StoreConnectionError,
  StoreError,
  StoreSetupError,
} from "@kv/protocol";
import { describe, expect, it } from "vitest";

const freshDirectory = temporaryPaths("kv-disk-spec-");

/** Every file below a directory, as paths relative to it. */
function filesUnder(directory: string): string[] {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(directory, join(entry.parentPath, entry.name)));
}

const entryFiles = (directory: string) =>
  filesUnder(directory).filter((path) => path.endsWith(".json"));

function temporaryFileName(pid: number): string {
  const tag = createHash("sha256").update(hostname()).digest("hex").slice(0, 8);
  return `.${tag}-${pid}-0123456789ab.tmp`;
}

function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", ""]);
  return child.pid ?? 999_999;
}

/**
 * A store in a fresh directory holding `{ index }` under every hostile name as a key of the
 * collection "keys", and under "k" in a collection of every hostile name.
 */
async function holdingHostileNames(): Promise<{ directory: string; store: DiskStore }> {
  const directory = freshDirectory();
  const store = new DiskStore({ directory });
  for (const [index, name] of hostileNames.entries()) {
    await store.put(name, { index }, { collection: "keys" });
    await store.put("k", { index }, { collection: name });
  }
  return { directory, store };
}

class ExposedDiskStore extends DiskStore {
  mapErrorForTest(error: unknown, context: ErrorContext): KeyValueError {
    return this.mapError(error, context);
  }
}

describe("DiskStore layout", () => {
  it("writes <directory>/<collection>/<key>.json holding py-key-value's entry document", async () => {
    const directory = freshDirectory();
    const store = new DiskStore({ directory });
    await store.put("user-1", { name: "Ada" }, { collection: "users", ttl: 60 });
    const text = readFileSync(join(directory, "users", "user-1.json"), "utf8");
    const document = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(document)).toEqual(entryDocumentFields);
    expect(document).toMatchObject({
      collection: "users",
      key: "user-1",
      value: { name: "Ada" },
      version: 1,
    });
    expect(document.created_at).toMatch(pythonTimestamp);
    expect(entryFiles(directory)).toEqual([join("users", "user-1.json")]);
  });

  it("reads entry files written by py-key-value's FileTreeStore", async () => {
    const directory = freshDirectory();
    mkdirSync(join(directory, "users"), { recursive: true });
    writeFileSync(
      join(directory, "users", "u1.json"),
      JSON.stringify({ version: 1, value: '{"a": 1}', created_at: "2026-01-01T00:00:00Z" }),
    );
    writeFileSync(
      join(directory, "users-info.json"),
      JSON.stringify({ version: 1, collection: "users" }),
    );
    const store = new DiskStore({ directory });
    expect(await store.get("u1", { collection: "users" })).toEqual({ a: 1 });
    expect(await store.keys({ collection: "users" })).toEqual(["u1"]);
    expect(await store.collections()).toEqual(["users"]);
  });

  it("encodes hostile names into distinct lower-case file names of [a-z0-9_%+-]", async () => {
    const { directory, store } = await holdingHostileNames();
    const files = entryFiles(directory);
    expect(files).toHaveLength(2 * hostileNames.length);
    expect(new Set(files.map((path) => path.toLowerCase())).size).toBe(files.length);
    for (const path of files) {
      for (const segment of path.split(/[\\/]/)) {
        expect(segment).toMatch(/^[a-z0-9_%+-]+(?:\.json)?$/);
        expect(Buffer.byteLength(segment)).toBeLessThanOrEqual(255);
      }
    }
    for (const [index, name] of hostileNames.entries()) {
      expect(await store.get(name, { collection: "keys" })).toEqual({ index });
      expect(await store.get("k", { collection: name })).toEqual({ index });
    }
  });

  it("lists hostile names from keys() and collections() exactly as written", async () => {
    const { store } = await holdingHostileNames();
    expect((await store.keys({ collection: "keys" })).sort()).toEqual([...hostileNames].sort());
    expect((await store.collections()).sort()).toEqual([...hostileNames, "keys"].sort());
  });

  it("never creates anything outside its directory", async () => {
    const parent = freshDirectory();
    const directory = join(parent, "store");
    const store = new DiskStore({ directory });
    for (const name of ["..", "../..", "../escape", "/etc/passwd", "..\\..\\x", "C:\\x", "~"]) {
      await store.put(name, { name }, { collection: name });
      await store.put(name, { name }, { collection: "c" });
    }
    expect(readdirSync(parent)).toEqual(["store"]);
    const real = realpathSync(directory);
    for (const path of filesUnder(directory)) {
      expect(realpathSync(join(directory, path)).startsWith(real)).toBe(true);
    }
  });

  it("keeps Windows device names off the disk", async () => {
    const directory = freshDirectory();
    const store = new DiskStore({ directory });
    const devices = ["con", "prn", "aux", "nul", "com1", "lpt9"];
    for (const name of devices) await store.put(name, { name }, { collection: name });
    for (const path of entryFiles(directory)) {
      for (const segment of path.split(/[\\/]/)) {
        expect(devices).not.toContain(segment.replace(/\.json$/, ""));
      }
    }
    expect((await store.collections()).sort()).toEqual([...devices].sort());
  });

  it("spreads a collection's files over hashed subdirectories with fanOutLevels", async () => {
    const directory = freshDirectory();
    const store = new DiskStore({ directory, fanOutLevels: 2, fsync: false });
    await store.putMany(Array.from({ length: 50 }, (_, index) => [`key-${index}`, { index }]));
    const files = entryFiles(directory);
    expect(files).toHaveLength(50);
    for (const path of files) {
      expect(path).toMatch(
        /^default_collection[\\/][0-9a-f]{2}[\\/][0-9a-f]{2}[\\/]key-\d+\.json$/,
      );
    }
    expect(await store.keys()).toHaveLength(50);
    expect(await store.get("key-7")).toEqual({ index: 7 });
  });

  it("refuses to open a directory written with another fanOutLevels", async () => {
    const directory = freshDirectory();
    await new DiskStore({ directory, fanOutLevels: 1 }).put("k", { a: 1 });
    const error = await new DiskStore({ directory }).get("k").catch((caught: unknown) => caught);
    expect(StoreSetupError.isInstance(error)).toBe(true);
    expect(await new DiskStore({ directory, fanOutLevels: 1 }).get("k")).toEqual({ a: 1 });
  });

  it("leaves files that are not collections alone when destroyed", async () => {
    const directory = freshDirectory();
    const store = new DiskStore({ directory });
    await store.put("k", { a: 1 }, { collection: "c" });
    mkdirSync(join(directory, "Not A Collection"));
    writeFileSync(join(directory, "README.txt"), "notes");
    expect(await store.destroy()).toBe(true);
    expect(readdirSync(directory).sort()).toEqual([
      ".kv-disk-layout",
      "Not A Collection",
      "README.txt",
    ]);
    expect(await store.destroy()).toBe(false);
  });
});

describe("DiskStore atomic writes", () => {
  it("leaves no temporary file behind after writes and deletes", async () => {
    const directory = freshDirectory();
    const store = new DiskStore({ directory });
    await store.putMany(Array.from({ length: 40 }, (_, index) => [`k${index}`, { index }]));
    await Promise.all(Array.from({ length: 20 }, (_, index) => store.put("same", { index })));
    await store.deleteMany(["k1", "k2"]);
    expect(filesUnder(directory).filter((path) => path.endsWith(".tmp"))).toEqual([]);
    expect(entryFiles(directory)).toHaveLength(39);
  });

  it("removes temporary files of dead writers on cull and keeps those of live ones", async () => {
    const directory = freshDirectory();
    const store = new DiskStore({ directory });
    await store.put("k", { a: 1 }, { collection: "c" });
    const dead = temporaryFileName(deadPid());
    const live = temporaryFileName(process.pid);
    writeFileSync(join(directory, "c", dead), '{"value":{"a"');
    writeFileSync(join(directory, "c", live), '{"value":{"a"');
    expect(await store.keys({ collection: "c" })).toEqual(["k"]);
    await store.cull();
    expect(readdirSync(join(directory, "c")).sort()).toEqual([live, "k.json"].sort());
  });

  it("finishes an interrupted destroyCollection on cull", async () => {
    const directory = freshDirectory();
    const store = new DiskStore({ directory });
    await store.put("k", { a: 1 }, { collection: "c" });
    mkdirSync(join(directory, ".trash-0123456789ab", "x"), { recursive: true });
    await store.cull();
    expect(readdirSync(directory).sort()).toEqual([".kv-disk-layout", "c"]);
  });

  it("removes a whole collection directory and nothing beside it", async () => {
    const directory = freshDirectory();
    const store = new DiskStore({ directory });
    await store.putMany(
      Array.from({ length: 30 }, (_, index) => [`k${index}`, { index }]),
      {
        collection: "doomed",
      },
    );
    await store.put("k0", { kept: true }, { collection: "kept" });
    expect(await store.destroyCollection("doomed")).toBe(true);
    expect(readdirSync(directory).sort()).toEqual([".kv-disk-layout", "kept"]);
    expect(await store.destroyCollection("doomed")).toBe(false);
  });
});

describe("DiskStore expiry", () => {
  it("cull() deletes expired entry files and keeps live ones", async () => {
    const directory = freshDirectory();
    const clock = new ManualClock();
    const store = new DiskStore({ directory, clock });
    await store.put("short", { n: 1 }, { ttl: 10 });
    await store.put("long", { n: 2 }, { ttl: 100 });
    await store.put("forever", { n: 3 });
    clock.advanceSeconds(11);
    expect(entryFiles(directory)).toHaveLength(3);
    await store.cull();
    expect(entryFiles(directory).sort()).toEqual(
      ["forever.json", "long.json"].map((name) => join("default_collection", name)),
    );
  });

  it("skips expired entries in keys() before they are culled", async () => {
    const store = await storeWithExpiredEntry(
      (clock) => new DiskStore({ directory: freshDirectory(), clock }),
    );
    expect(await store.keys()).toEqual(["forever"]);
  });

  it("removes an expired entry's file on delete and says false", async () => {
    const directory = freshDirectory();
    const clock = new ManualClock();
    const store = new DiskStore({ directory, clock });
    await store.put("short", { n: 1 }, { ttl: 10 });
    clock.advanceSeconds(11);
    expect(await store.delete("short")).toBe(false);
    expect(entryFiles(directory)).toEqual([]);
  });
});

describe("DiskStore errors", () => {
  it("throws DeserializationError naming the key for a corrupt entry file", async () => {
    const directory = freshDirectory();
    const store = new DiskStore({ directory });
    await store.put("good", { a: 1 });
    writeFileSync(join(directory, "default_collection", "bad.json"), '{"value": {"a"');
    const error = await store.get("bad").catch((caught: unknown) => caught);
    expect(DeserializationError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain("bad");
    expect(await store.keys()).toEqual(["good"]);
  });

  it("fails setup with StoreSetupError when the directory cannot be made, and retries later", async () => {
    const parent = freshDirectory();
    mkdirSync(parent);
    writeFileSync(join(parent, "blocker"), "a file");
    const store = new DiskStore({ directory: join(parent, "blocker", "store") });
    const error = await store.put("k", { a: 1 }).catch((caught: unknown) => caught);
    expect(StoreSetupError.isInstance(error)).toBe(true);
    expect((error as Error).cause).toMatchObject({ code: "ENOTDIR" });
    rmSync(join(parent, "blocker"));
    await store.put("k", { a: 1 });
    expect(await store.get("k")).toEqual({ a: 1 });
  });

  it("maps transient file-system errors to StoreConnectionError, others to StoreError", () => {
    const store = new ExposedDiskStore({ directory: freshDirectory() });
    const busy = Object.assign(new Error("too many open files"), { code: "EMFILE" });
    const full = Object.assign(new Error("no space left"), { code: "ENOSPC" });
    const transient = store.mapErrorForTest(busy, { operation: "put", key: "k" });
    expect(StoreConnectionError.isInstance(transient)).toBe(true);
    expect(transient.cause).toBe(busy);
    const permanent = store.mapErrorForTest(full, { operation: "put", key: "k" });
    expect(StoreError.isInstance(permanent)).toBe(true);
    expect(StoreConnectionError.isInstance(permanent)).toBe(false);
    expect(permanent.cause).toBe(full);
  });

  it("refuses construction without a directory or with an unknown fanOutLevels", () => {
    expect(() => new DiskStore({ directory: "" })).toThrow(TypeError);
    expect(
      () => new DiskStore({ directory: freshDirectory(), fanOutLevels: 4 as unknown as 1 }),
    ).toThrow(RangeError);
  });
});
