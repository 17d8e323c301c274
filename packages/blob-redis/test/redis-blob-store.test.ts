import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generatedChunks, MiB, patternBytes } from "@kv/conformance";
import { readAcrossReplacement, slowChunks } from "@kv/conformance/streams";
import { StoreConnectionError, StoreError } from "@kv/protocol";
import { Cluster, Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BlobTooLargeError, RedisBlobStore, type RedisBlobStoreOptions } from "../src/index.ts";
import { blobRedisUrl, removeNamespace } from "./server.ts";

let namespace = "";
let redis: Redis;
const stores: RedisBlobStore[] = [];

function store(options: Partial<RedisBlobStoreOptions> = {}): RedisBlobStore {
  const made = new RedisBlobStore({
    url: blobRedisUrl(),
    namespace,
    ...options,
  } as RedisBlobStoreOptions);
  stores.push(made);
  return made;
}

async function names(): Promise<string[]> {
  return (await redis.keys(`${namespace}:*`)).sort();
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

beforeAll(() => {
  redis = new Redis(blobRedisUrl());
});
afterAll(() => {
  redis.disconnect();
});
beforeEach(() => {
  namespace = `blob-test-${randomUUID()}`;
});
afterEach(async () => {
  for (const made of stores.splice(0)) await made.close();
  await removeNamespace(namespace);
});

describe("RedisBlobStore layout", () => {
  it("keeps a blob as a hash naming a list of chunks of chunkBytes", async () => {
    await store({ chunkBytes: 65536 }).put("photos/cat.png", patternBytes(200_000));
    const [data, meta] = await names();
    expect(meta).toBe(`${namespace}:k:photos/cat.png`);
    const fields = await redis.hgetall(meta ?? "");
    expect(fields.s).toBe("200000");
    expect(data).toBe(`${namespace}:d:${fields.g}`);
    const chunks = await redis.lrangeBuffer(data ?? "", 0, -1);
    expect(chunks.map((chunk) => chunk.byteLength)).toEqual([65536, 65536, 65536, 3392]);
  });

  it("expires both the hash and the chunks with PEXPIRE, the chunks readGraceMs later", async () => {
    await store({ readGraceMs: 5000 }).put("k", "v", { ttl: 60 });
    const [data, meta] = await names();
    expect(await redis.pttl(meta ?? "")).toBeGreaterThan(59_000);
    expect(await redis.pttl(data ?? "")).toBeGreaterThan(64_000);
    await store().put("k", "again");
    expect(await redis.pttl(`${namespace}:k:k`)).toBe(-1);
  });

  it("stores an empty blob as a hash alone", async () => {
    await store().put("empty", new Uint8Array(0));
    expect(await names()).toEqual([`${namespace}:k:empty`]);
    expect((await store().get("empty")).byteLength).toBe(0);
  });

  it("lists keys whose prefix holds glob characters exactly", async () => {
    const blobs = store({ keyPattern: /^[^\n]+$/ });
    for (const key of ["a*b", "a[1]", "a?", "ab", "a\\"]) await blobs.put(key, key);
    expect(await blobs.keys({ prefix: "a[" })).toEqual(["a[1]"]);
    expect(await blobs.keys({ prefix: "a*" })).toEqual(["a*b"]);
    expect(await blobs.keys({ prefix: "a?" })).toEqual(["a?"]);
  });

  it("keeps the namespaces of two stores apart", async () => {
    const other = `${namespace}-other`;
    await store().put("k", "mine");
    const theirs = store({ namespace: other });
    expect(await theirs.keys()).toEqual([]);
    await theirs.put("k", "theirs");
    expect(Buffer.from(await store().get("k")).toString()).toBe("mine");
    await removeNamespace(other);
  });
});

describe("RedisBlobStore size limit", () => {
  it("takes its limit from the server's proto-max-bulk-len", async () => {
    const blobs = store();
    await blobs.has("k");
    const [, limit] = (await redis.config("GET", "proto-max-bulk-len")) as string[];
    expect(blobs.maxBytes).toBe(Number(limit));
  });

  it("refuses bytes and files above the limit with BlobTooLargeError before writing", async () => {
    const blobs = store({ maxBytes: 100_000 });
    const error = await rejection(blobs.put("k", patternBytes(100_001)));
    expect(BlobTooLargeError.isInstance(error)).toBe(true);
    expect((error as BlobTooLargeError).maxBytes).toBe(100_000);
    const directory = await mkdtemp(join(tmpdir(), "kv-blob-redis-"));
    await writeFile(join(directory, "big"), patternBytes(100_001));
    expect(
      BlobTooLargeError.isInstance(await rejection(blobs.putFile("k", join(directory, "big")))),
    ).toBe(true);
    await rm(directory, { recursive: true });
    expect(await names()).toEqual([]);
    await blobs.put("k", patternBytes(100_000));
    expect((await blobs.get("k")).byteLength).toBe(100_000);
  });

  it("stops a stream that passes the limit, removing what it wrote and keeping the old blob", async () => {
    const blobs = store({ maxBytes: 3 * MiB, chunkBytes: 256 * 1024 });
    await blobs.put("k", "old");
    const error = await rejection(
      blobs.put("k", generatedChunks(4 * MiB, { bytes: 0, sha256: "" })),
    );
    expect(BlobTooLargeError.isInstance(error)).toBe(true);
    expect(Buffer.from(await blobs.get("k")).toString()).toBe("old");
    expect((await names()).filter((name) => name.includes(":d:"))).toHaveLength(1);
  });
});

describe("RedisBlobStore streams and writers", () => {
  it("lets a stream read the old blob whole when the key is replaced within readGraceMs", async () => {
    const [reading, writing] = [store({ chunkBytes: 65536 }), store({ chunkBytes: 65536 })];
    const old = patternBytes(2 * MiB, 1);
    await writing.put("doc", old);
    const read = await readAcrossReplacement(reading, writing, "doc", patternBytes(MiB, 2));
    expect(read.equals(old)).toBe(true);
  });

  it("fails a stream with StoreError, never a mix, when its chunks are removed at once", async () => {
    const blobs = store({ chunkBytes: 65536, readGraceMs: 0 });
    await blobs.put("doc", patternBytes(MiB, 1));
    const stream = (await blobs.open("doc"))[Symbol.asyncIterator]();
    await stream.next();
    await blobs.put("doc", patternBytes(MiB, 2));
    const error = await rejection(
      (async () => {
        for (let next = await stream.next(); next.done !== true; next = await stream.next());
      })(),
    );
    expect(StoreError.isInstance(error)).toBe(true);
  });

  it("leaves one whole blob and one list when two stores stream into one key at once", async () => {
    const options = { chunkBytes: 65536, readGraceMs: 0 };
    const [one, two] = [store(options), store(options)];
    const payloads = [patternBytes(MiB, 5), patternBytes(MiB + 7, 6)];
    await Promise.all(
      payloads.map((payload, index) => [one, two][index]?.put("k", slowChunks(payload, 100_000))),
    );
    const stored = Buffer.from(await one.get("k"));
    expect(payloads.some((payload) => stored.equals(payload))).toBe(true);
    expect(await names()).toHaveLength(2);
  });

  it("gives the chunks of a write in progress an expiry of staleWriteMs, removed on failure", async () => {
    const blobs = store({ chunkBytes: 65536, staleWriteMs: 30_000 });
    let seen = -2;
    async function* watched(): AsyncGenerator<Uint8Array> {
      yield* generatedChunks(4 * 65536, { bytes: 0, sha256: "" }, () => {}, 65536);
      const [data] = await names();
      seen = await redis.pttl(data ?? "");
      throw new Error("client went away");
    }
    expect(await rejection(blobs.put("k", watched()))).toBeDefined();
    expect(seen).toBeGreaterThan(25_000);
    expect(seen).toBeLessThanOrEqual(30_000);
    expect(await names()).toEqual([]);
  });
});

describe("RedisBlobStore connections", () => {
  it("leaves a borrowed client open, and loads its scripts again after SCRIPT FLUSH", async () => {
    const client = new Redis(blobRedisUrl());
    const blobs = new RedisBlobStore({ client, namespace });
    await blobs.put("k", "v");
    await redis.script("FLUSH");
    await blobs.put("k", "w");
    expect(Buffer.from(await blobs.get("k")).toString()).toBe("w");
    await blobs.close();
    expect(await client.ping()).toBe("PONG");
    client.disconnect();
  });

  it("reports an unreachable server as StoreConnectionError", async () => {
    const blobs = store({ url: "redis://127.0.0.1:1" });
    const error = await rejection(blobs.get("k"));
    expect(StoreConnectionError.isInstance(error)).toBe(true);
  });

  it("refuses options it cannot use", () => {
    expect(() => new RedisBlobStore({} as RedisBlobStoreOptions)).toThrow(TypeError);
    expect(() => new RedisBlobStore({ url: "http://x" })).toThrow(TypeError);
    expect(() => new RedisBlobStore({ url: blobRedisUrl(), chunkBytes: 10 })).toThrow(RangeError);
    expect(() => new RedisBlobStore({ url: blobRedisUrl(), namespace: "" })).toThrow(RangeError);
    const prefixed = new Redis(blobRedisUrl(), { keyPrefix: "x:", lazyConnect: true });
    expect(() => new RedisBlobStore({ client: prefixed })).toThrow(TypeError);
    const cluster = new Cluster([{ host: "127.0.0.1", port: 1 }], { lazyConnect: true });
    expect(() => new RedisBlobStore({ client: cluster as unknown as Redis })).toThrow(TypeError);
    prefixed.disconnect();
    cluster.disconnect();
  });
});
