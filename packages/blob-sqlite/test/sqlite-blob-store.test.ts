import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { MissingKeyError } from "@kv/blob";
import { digestOf, generatedChunks, MiB, patternBytes } from "@kv/conformance";
import { readAcrossReplacement, slowChunks } from "@kv/conformance/streams";
import { StoreError } from "@kv/protocol";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteBlobStore } from "../src/index.ts";
import { NO_UPPER_BOUND, upperBound } from "../src/key-range.ts";

let directory = "";
let path = "";
const opened: (SqliteBlobStore | Database.Database)[] = [];

function store(options: Partial<ConstructorParameters<typeof SqliteBlobStore>[0]> = {}) {
  const made = new SqliteBlobStore({ path, ...options } as { path: string });
  opened.push(made);
  return made;
}

function inspect(): Database.Database {
  const db = new Database(path);
  opened.push(db);
  return db;
}

function count(db: Database.Database, sql: string): number {
  return db.prepare<[], number>(sql).pluck().get() ?? 0;
}

/** Six chunks (past what a write collects before it starts writing), a pause, one more. */
async function* stalled(chunk: Uint8Array, until: Promise<void>): AsyncGenerator<Uint8Array> {
  for (let index = 0; index < 6; index++) yield chunk;
  await until;
  yield chunk;
}

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "kv-blob-sqlite-"));
  path = join(directory, "blobs.db");
});
afterEach(async () => {
  for (const item of opened.splice(0)) {
    if (item instanceof SqliteBlobStore) await item.close();
    else item.close();
  }
  await rm(directory, { recursive: true, force: true });
});

describe("SqliteBlobStore layout", () => {
  it("keeps a blob as a row pointing at chunk rows of chunkBytes, in a WAL database of 64 KiB pages", async () => {
    const blobs = store({ chunkBytes: 65536 });
    await blobs.put("photos/cat.png", patternBytes(200_000));
    const db = inspect();
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.pragma("page_size", { simple: true })).toBe(65536);
    const row = db.prepare("SELECT key, size, expires_at FROM kv_blobs").get();
    expect(row).toEqual({ key: "photos/cat.png", size: 200_000, expires_at: null });
    const sizes = db.prepare("SELECT length(data) FROM kv_blobs_chunks ORDER BY seq").pluck().all();
    expect(sizes).toEqual([65536, 65536, 65536, 200_000 - 3 * 65536]);
    expect(count(db, "SELECT count(*) FROM kv_blobs_generations")).toBe(0);
  });

  it("stores an empty blob as a row without chunks", async () => {
    await store().put("empty", new Uint8Array(0));
    expect(count(inspect(), "SELECT count(*) FROM kv_blobs_chunks")).toBe(0);
    expect((await store().get("empty")).byteLength).toBe(0);
  });

  it("lists a prefix with an index range, not a scan", async () => {
    await store().put("a", "x");
    const plan = inspect()
      .prepare(
        "EXPLAIN QUERY PLAN SELECT key FROM kv_blobs WHERE key >= ? AND key < ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY key LIMIT ?",
      )
      .all("img/", "img0", 0, 10) as { detail: string }[];
    expect(plan.map((step) => step.detail).join()).toMatch(
      /SEARCH kv_blobs USING PRIMARY KEY \(key>\? AND key<\?\)/,
    );
  });

  it("bounds a prefix by its last code point plus one", () => {
    expect(upperBound("img/")).toBe("img0");
    expect(upperBound("a~")).toBe("a\u007f");
    expect(upperBound("\u{d7ff}")).toBe("\u{e000}");
    expect(upperBound("x\u{10ffff}")).toBe("y");
    expect(upperBound("")).toBe(NO_UPPER_BOUND);
  });

  it("lists keys of any code points by prefix when its keyPattern allows them", async () => {
    const blobs = store({ keyPattern: /^[^\n]+$/u });
    const keys = ["caf\u00e9/1", "caf\u00e9/2", "cafe", "caf\u00ea", "\u{1f600}/x", "\u{1f600}"];
    for (const key of keys) await blobs.put(key, key);
    expect(await blobs.keys({ prefix: "caf\u00e9" })).toEqual(["caf\u00e9/1", "caf\u00e9/2"]);
    expect(await blobs.keys({ prefix: "\u{1f600}" })).toEqual(["\u{1f600}", "\u{1f600}/x"]);
    const prefixes: string[] = [];
    for await (const prefix of blobs.iteratePrefixes({ delimiter: "/" })) prefixes.push(prefix);
    expect(prefixes).toEqual(["cafe", "caf\u00e9/", "caf\u00ea", "\u{1f600}", "\u{1f600}/"]);
  });
});

describe("SqliteBlobStore streams and writers", () => {
  it("lets a stream that has started read the old blob whole while another store replaces and deletes it", async () => {
    const [reading, writing] = [store({ chunkBytes: 65536 }), store({ chunkBytes: 65536 })];
    const old = patternBytes(4 * MiB, 1);
    await writing.put("doc", old);
    const read = await readAcrossReplacement(reading, writing, "doc", patternBytes(3 * MiB, 2));
    expect(read.equals(old)).toBe(true);
    expect(await reading.tryGet("doc")).toBeUndefined();
  });

  it("fails a stream with MissingKeyError when the blob is deleted before its first read", async () => {
    const blobs = store({ chunkBytes: 65536 });
    await blobs.put("doc", patternBytes(MiB));
    const stream = await blobs.open("doc");
    await blobs.delete("doc");
    const error = await digestOf(stream).catch((e: unknown) => e);
    expect(MissingKeyError.isInstance(error)).toBe(true);
  });

  it("leaves one whole blob when two stores stream into one key at once", async () => {
    const [one, two] = [store({ chunkBytes: 65536 }), store({ chunkBytes: 65536 })];
    const payloads = [patternBytes(3 * MiB, 5), patternBytes(2 * MiB + 7, 6)];
    await Promise.all(
      payloads.map((payload, index) => [one, two][index]?.put("k", slowChunks(payload, 100_000))),
    );
    const stored = Buffer.from(await one.get("k"));
    expect(payloads.some((payload) => stored.equals(payload))).toBe(true);
    const db = inspect();
    expect(count(db, "SELECT count(*) FROM kv_blobs_generations")).toBe(0);
    expect(count(db, "SELECT count(DISTINCT generation) FROM kv_blobs_chunks")).toBe(1);
  });

  it("frees the chunks of a failed streamed put and of replaced and deleted blobs", async () => {
    const blobs = store({ chunkBytes: 65536 });
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield* generatedChunks(MiB, { bytes: 0, sha256: "" });
      throw new Error("client went away");
    }
    await expect(blobs.put("k", failing())).rejects.toThrow();
    await blobs.put("k", generatedChunks(4 * MiB, { bytes: 0, sha256: "" }));
    await blobs.put("k", generatedChunks(3 * MiB, { bytes: 0, sha256: "" }));
    const db = inspect();
    expect(count(db, "SELECT count(*) FROM kv_blobs_chunks")).toBe(48);
    await blobs.delete("k");
    expect(count(db, "SELECT count(*) FROM kv_blobs_chunks")).toBe(0);
    expect(count(db, "SELECT count(*) FROM kv_blobs_generations")).toBe(0);
  });
});

describe("SqliteBlobStore cull", () => {
  it("removes expired blobs with their chunks", async () => {
    const blobs = store({ chunkBytes: 65536 });
    await blobs.put("short", patternBytes(MiB), { ttl: 0.05 });
    await blobs.put("kept", "stays", { ttl: 60 });
    await sleep(100);
    expect(await blobs.cull()).toBe(1);
    const db = inspect();
    expect(db.prepare("SELECT key FROM kv_blobs").pluck().all()).toEqual(["kept"]);
    expect(count(db, "SELECT count(*) FROM kv_blobs_chunks")).toBe(1);
  });

  it("removes a write idle for longer than staleWriteMs, which then fails", async () => {
    const writer = store({ chunkBytes: 65536, staleWriteMs: 20 });
    let resume = () => {};
    const resumed = new Promise<void>((resolve) => {
      resume = resolve;
    });
    const writing = writer.put("k", stalled(patternBytes(65536), resumed));
    await sleep(100);
    expect(count(inspect(), "SELECT count(*) FROM kv_blobs_chunks")).toBe(6);
    await store({ staleWriteMs: 20 }).cull();
    resume();
    expect(StoreError.isInstance(await writing.catch((e: unknown) => e))).toBe(true);
    expect(count(inspect(), "SELECT count(*) FROM kv_blobs_chunks")).toBe(0);
    expect(await writer.has("k")).toBe(false);
  });

  it("leaves a write that is still sending chunks alone", async () => {
    const writer = store({ chunkBytes: 65536 });
    let resume = () => {};
    const resumed = new Promise<void>((resolve) => {
      resume = resolve;
    });
    const writing = writer.put("k", stalled(patternBytes(65536), resumed));
    await sleep(50);
    await store().cull();
    resume();
    await writing;
    expect((await writer.get("k")).byteLength).toBe(7 * 65536);
  });
});

describe("SqliteBlobStore connections", () => {
  it("leaves a borrowed client open on close", async () => {
    const client = new Database(path);
    opened.push(client);
    const blobs = new SqliteBlobStore({ client });
    await blobs.put("k", patternBytes(3 * 512 * 1024));
    expect(Buffer.from(await blobs.get("k")).equals(patternBytes(3 * 512 * 1024))).toBe(true);
    await blobs.close();
    expect(client.open).toBe(true);
  });

  it("refuses an in-memory database, which streams could not read", () => {
    expect(() => new SqliteBlobStore({ path: ":memory:" })).toThrow(TypeError);
    const memory = new Database(":memory:");
    opened.push(memory);
    expect(() => new SqliteBlobStore({ client: memory })).toThrow(TypeError);
  });

  it("refuses options out of range", () => {
    expect(() => new SqliteBlobStore({ path, table: "bad name" })).toThrow(RangeError);
    expect(() => new SqliteBlobStore({ path, chunkBytes: 100 })).toThrow(RangeError);
    expect(() => new SqliteBlobStore({ path, pageSize: 1000 })).toThrow(RangeError);
  });
});
