import { Blob } from "node:buffer";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { ReadableStream } from "node:stream/web";
import { fileURLToPath } from "node:url";
import {
  type BlobData,
  BlobSourceError,
  type BlobStore,
  InvalidBlobKeyError,
  MissingKeyError,
  supportsBlobTtl,
  supportsUrlFor,
} from "@kv/blob";
import { InvalidTtlError, SerializationError, StoreClosedError } from "@kv/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sleep } from "./context.ts";
import { collect, rejection, sorted } from "./helpers.ts";
import { invalidTtls } from "./input-validation.ts";
import {
  digestOf,
  generatedChunks,
  MemoryWatch,
  MiB,
  patternBytes,
  type StreamDigest,
  slowChunks,
} from "./streams.ts";

export { digestOf, generatedChunks, MemoryWatch, MiB, patternBytes, type StreamDigest };

/** What the suite hands the opener of each test's store. */
export interface BlobTestContext {
  /** A new empty directory for this test (removed afterwards), for file-based stores. */
  readonly directory: string;
  /** A name unique to this test, for a namespace (a key prefix, a bucket) on a shared server. */
  readonly namespace: string;
}

/** Opens a fresh, empty blob store for one test. */
export type OpenBlobStore = (context: BlobTestContext) => BlobStore | Promise<BlobStore>;

/** What the suite needs to know about a blob store: its real limits, nothing it may skip. */
export interface BlobConformanceOptions {
  /** The store accepts `/` in keys (a hierarchy). @default what its `keyPattern` says, else false */
  slashInKeys?: boolean | undefined;
  /** Keys the store must refuse. @default `invalidBlobKeys` (plus `"a/b"` without slashInKeys) */
  invalidKeys?: readonly string[] | undefined;
  /**
   * The store streams in bounded memory. Only a store that holds blobs in the process's memory
   * says false; its large round trip is then smaller and unmeasured. @default true
   */
  boundedMemory?: boolean | undefined;
  /** Bytes of the large streamed round trip. @default 256 MiB (32 MiB without boundedMemory) */
  largeStreamBytes?: number | undefined;
  /** The most the process's live memory may grow while streaming it. @default 64 MiB */
  maxMemoryGrowth?: number | undefined;
  /** Reads the bytes behind a `urlFor` URL. @default `file:` URLs from disk, others by `fetch` */
  fetchUrl?: ((url: string) => Promise<Uint8Array>) | undefined;
  /** Removes what a test wrote, before its store is closed (server-backed stores). */
  cleanUp?: ((store: BlobStore, context: BlobTestContext) => Promise<void>) | undefined;
}

/** Keys outside simplekv's key set (and its extended one): every blob store refuses them. */
export const invalidBlobKeys: readonly string[] = [
  "",
  "with\ttab",
  "with\nnewline",
  "nul\u0000byte",
  "colon:",
  "semi;colon",
  "star*",
  "pipe|",
  "caf\u00e9",
  "emoji\u{1f600}",
];

/**
 * Registers the blob store suite (vitest): round trips from 0 B to a large stream in bounded
 * memory, every kind of data `put` takes, `open`, `putFile`/`getFile`, concurrent writers of one
 * key, bad and missing keys, listing with prefixes and delimiters, closing, and the `urlFor` and
 * TTL groups when the store offers them. `open` is called once per test for a fresh store, which
 * is closed afterwards. The optional capabilities are read from one probe store made when the
 * suite is registered, so call this at the top level of a test file with top-level `await`.
 */
export async function describeBlobStore(
  name: string,
  open: OpenBlobStore,
  options: BlobConformanceOptions = {},
): Promise<void> {
  const probeDirectory = await mkdtemp(join(tmpdir(), "kv-blob-probe-"));
  const probe = await open({ directory: probeDirectory, namespace: `probe-${randomUUID()}` });
  const offers = { urlFor: supportsUrlFor(probe), ttl: supportsBlobTtl(probe) };
  const slash = options.slashInKeys ?? keyPatternOf(probe)?.test("a/b") ?? false;
  await probe.close();
  await rm(probeDirectory, { recursive: true, force: true });

  const current = useBlobStore(open, options);
  const settings: SuiteSettings = {
    slash,
    invalidKeys: options.invalidKeys ?? [...invalidBlobKeys, ...(slash ? [] : ["a/b"])],
    boundedMemory: options.boundedMemory ?? true,
    largeStreamBytes:
      options.largeStreamBytes ?? ((options.boundedMemory ?? true) ? 256 * MiB : 32 * MiB),
    maxMemoryGrowth: options.maxMemoryGrowth ?? 64 * MiB,
    fetchUrl: options.fetchUrl ?? fetchBytes,
  };
  describe(name, () => {
    describeRoundTrips(current, settings);
    describeDataKinds(current);
    describeFiles(current);
    describeConcurrency(current);
    describeKeys(current, settings);
    describeListing(current, settings);
    describeClosing(current);
    if (offers.ttl) describeBlobTtl(current);
    else describeWithoutTtl(current);
    if (offers.urlFor) describeUrlFor(current, settings);
  });
}

interface SuiteSettings {
  slash: boolean;
  invalidKeys: readonly string[];
  boundedMemory: boolean;
  largeStreamBytes: number;
  maxMemoryGrowth: number;
  fetchUrl: (url: string) => Promise<Uint8Array>;
}

/** The store of the running test and its context. */
interface Current {
  (): BlobStore;
  context(): BlobTestContext;
}

function useBlobStore(open: OpenBlobStore, options: BlobConformanceOptions): Current {
  let store: BlobStore | undefined;
  let context: BlobTestContext | undefined;
  beforeEach(async () => {
    const directory = await mkdtemp(join(tmpdir(), "kv-blob-"));
    context = { directory, namespace: `test-${randomUUID()}` };
    store = await open(context);
  });
  afterEach(async () => {
    const [used, usedContext] = [store, context];
    store = undefined;
    context = undefined;
    if (used === undefined || usedContext === undefined) return;
    try {
      if (options.cleanUp !== undefined) await options.cleanUp(used, usedContext);
    } finally {
      await used.close();
      await rm(usedContext.directory, { recursive: true, force: true });
    }
  });
  const current = (() => {
    if (store === undefined) throw new Error("No blob store outside a test");
    return store;
  }) as Current;
  current.context = () => {
    if (context === undefined) throw new Error("No blob store outside a test");
    return context;
  };
  return current;
}

function describeRoundTrips(store: Current, settings: SuiteSettings): void {
  describe("round trips", () => {
    it.each([
      ["0 B", 0],
      ["1 B", 1],
      ["64 KiB + 1 B", 64 * 1024 + 1],
      ["10 MB", 10_000_000],
    ])("stores and returns %s exactly, whole and streamed", async (_label, size) => {
      const bytes = patternBytes(size, size);
      await store().put("blob", bytes);
      expect(Buffer.from(await store().get("blob")).equals(bytes)).toBe(true);
      expect(Buffer.from((await store().tryGet("blob")) ?? []).equals(bytes)).toBe(true);
      const streamed = Buffer.concat(await collect(await store().open("blob")));
      expect(streamed.equals(bytes)).toBe(true);
    });

    it(settings.boundedMemory
      ? `streams ${settings.largeStreamBytes / MiB} MiB in and out while live memory grows by less than ${settings.maxMemoryGrowth / MiB} MiB`
      : `streams ${settings.largeStreamBytes / MiB} MiB in and out`, {
      timeout: 300_000,
    }, async () => {
      const written: StreamDigest = { bytes: 0, sha256: "" };
      const watch = new MemoryWatch();
      await store().put("large", generatedChunks(settings.largeStreamBytes, written, watch.sample));
      const read = await digestOf(await store().open("large"), watch.sample);
      expect(written.bytes).toBe(settings.largeStreamBytes);
      expect(read).toEqual(written);
      if (settings.boundedMemory) expect(watch.growth).toBeLessThan(settings.maxMemoryGrowth);
    });

    it("replaces a blob whole, shorter or longer", async () => {
      await store().put("blob", patternBytes(100_000, 1));
      await store().put("blob", "short");
      expect(Buffer.from(await store().get("blob")).toString()).toBe("short");
      await store().put("blob", patternBytes(200_000, 2));
      expect(Buffer.from(await store().get("blob")).equals(patternBytes(200_000, 2))).toBe(true);
    });

    it("keeps what it stored when the caller changes the bytes it gave or got", async () => {
      const given = Uint8Array.of(1, 2, 3);
      await store().put("blob", given);
      given[0] = 9;
      const got = await store().get("blob");
      got[1] = 9;
      expect(Array.from(await store().get("blob"))).toEqual([1, 2, 3]);
    });

    it("lets a reader stop early and the key be written again", async () => {
      await store().put("blob", generatedChunks(4 * MiB, { bytes: 0, sha256: "" }));
      const stream = await store().open("blob");
      expect(stream).toBeInstanceOf(Readable);
      for await (const _chunk of stream) break;
      expect(stream.destroyed).toBe(true);
      await store().put("blob", "again");
      expect(Buffer.from(await store().get("blob")).toString()).toBe("again");
    });
  });
}

function describeDataKinds(store: Current): void {
  const text = "h\u00e9llo \u2713 w\u00f6rld";
  const utf8 = Buffer.from(text);
  const kinds: [string, () => BlobData][] = [
    ["a Uint8Array", () => new Uint8Array(utf8)],
    ["a Buffer", () => Buffer.from(text)],
    ["a Uint8Array view into a larger buffer", () => Buffer.from(`xx${text}yy`).subarray(2, -2)],
    ["an ArrayBuffer", () => new Uint8Array(utf8).buffer],
    ["a Blob", () => new Blob([utf8.subarray(0, 2), utf8.subarray(2)])],
    ["a string (as UTF-8)", () => text],
    ["a Node Readable", () => Readable.from([utf8.subarray(0, 3), utf8.subarray(3)])],
    [
      "a Node Readable in object mode yielding strings",
      () => Readable.from(["h\u00e9llo ", "\u2713 w\u00f6rld"]),
    ],
    ["a web ReadableStream", () => webStream([utf8.subarray(0, 5), utf8.subarray(5)])],
    [
      "an async iterable of bytes and strings",
      () => asyncChunks([utf8.subarray(0, 1), text.slice(1)]),
    ],
    ["an iterable of chunks", () => [utf8.subarray(0, 1), utf8.subarray(1)]],
  ];

  describe("every kind of data", () => {
    it.each(kinds)("stores %s", async (_kind, data) => {
      await store().put("blob", data());
      expect(Buffer.from(await store().get("blob")).toString()).toBe(text);
    });

    it.each([
      ["a number", 42],
      ["a plain object", { bytes: [1, 2] }],
      ["null", null],
      ["a boolean", true],
    ])("refuses %s with SerializationError, writing nothing", async (_kind, data) => {
      const error = await rejection(store().put("blob", data as unknown as BlobData));
      expect(SerializationError.isInstance(error)).toBe(true);
      expect(await store().has("blob")).toBe(false);
    });

    it("refuses a stream yielding something other than bytes or strings, keeping the old blob", async () => {
      await store().put("blob", "old");
      const error = await rejection(store().put("blob", asyncChunks([Buffer.from("new"), 7])));
      expect(SerializationError.isInstance(error)).toBe(true);
      expect(Buffer.from(await store().get("blob")).toString()).toBe("old");
    });

    it("reports a failing source as BlobSourceError with its cause, keeping the old blob", async () => {
      await store().put("blob", "old");
      const failure = new Error("upload interrupted");
      const error = await rejection(store().put("blob", failingChunks(2 * MiB, failure)));
      expect(BlobSourceError.isInstance(error)).toBe(true);
      expect((error as Error).cause).toBe(failure);
      expect(Buffer.from(await store().get("blob")).toString()).toBe("old");
    });

    it("leaves a new key absent when its source fails", async () => {
      const error = await rejection(store().put("fresh", failingChunks(MiB, new Error("gone"))));
      expect(BlobSourceError.isInstance(error)).toBe(true);
      expect(await store().has("fresh")).toBe(false);
      expect(await store().keys()).toEqual([]);
    });
  });
}

function describeFiles(store: Current): void {
  describe("putFile and getFile", () => {
    it("stores a file's contents and leaves the file in place", async () => {
      const path = join(store.context().directory, "upload.bin");
      const bytes = patternBytes(300_000, 3);
      await writeFile(path, bytes);
      await store().putFile("upload", path);
      expect(Buffer.from(await store().get("upload")).equals(bytes)).toBe(true);
      expect((await readFile(path)).equals(bytes)).toBe(true);
    });

    it("moves a file in with move: true, so the file is gone", async () => {
      const path = join(store.context().directory, "moved.bin");
      const bytes = patternBytes(70_000, 4);
      await writeFile(path, bytes);
      await store().putFile("moved", path, { move: true });
      expect(existsSync(path)).toBe(false);
      expect(Buffer.from(await store().get("moved")).equals(bytes)).toBe(true);
    });

    it("writes a blob to a file, replacing what the file held", async () => {
      const path = join(store.context().directory, "download.bin");
      await writeFile(path, "previous contents that are longer than the blob");
      await store().put("download", "blob");
      await store().getFile("download", path);
      expect(await readFile(path, "utf8")).toBe("blob");
    });

    it("refuses a missing file with BlobSourceError, writing nothing", async () => {
      const path = join(store.context().directory, "absent.bin");
      const error = await rejection(store().putFile("upload", path));
      expect(BlobSourceError.isInstance(error)).toBe(true);
      expect(await store().has("upload")).toBe(false);
    });

    it("throws MissingKeyError for a missing key and creates no file", async () => {
      const path = join(store.context().directory, "never.bin");
      const error = await rejection(store().getFile("missing", path));
      expect(MissingKeyError.isInstance(error)).toBe(true);
      expect(existsSync(path)).toBe(false);
    });
  });
}

function describeConcurrency(store: Current): void {
  describe("concurrent writers", () => {
    it("never leave a torn blob: every read equals one whole payload", async () => {
      const payloads = Array.from({ length: 6 }, (_, index) =>
        patternBytes(512 * 1024 + index, index + 10),
      );
      const reads: (Uint8Array | undefined)[] = [];
      let writing = true;
      const reader = (async () => {
        while (writing) {
          reads.push(await store().tryGet("shared"));
          await sleep(1);
        }
      })();
      await Promise.all(
        payloads.map((payload) => store().put("shared", slowChunks(payload, 64 * 1024))),
      );
      writing = false;
      await reader;
      reads.push(await store().get("shared"));
      const final = reads.at(-1);
      for (const read of reads) {
        if (read === undefined) continue;
        expect(payloads.some((payload) => Buffer.from(read).equals(payload))).toBe(true);
      }
      expect(final).toBeDefined();
      expect(await store().keys()).toEqual(["shared"]);
    });
  });
}

function describeKeys(store: Current, settings: SuiteSettings): void {
  describe("keys", () => {
    it("accepts every character of simplekv's key set", async () => {
      const key = "09azAZ!\"`#$%&'()+,-.<=>?@[]^_{}~";
      await store().put(key, "x");
      expect(await store().keys()).toEqual([key]);
      expect(Buffer.from(await store().get(key)).toString()).toBe("x");
    });

    it("accepts keys of 250 characters", async () => {
      const key = `${"k".repeat(249)}z`;
      await store().put(key, "long");
      expect(await store().has(key)).toBe(true);
      expect(await store().keys()).toEqual([key]);
    });

    it.each(settings.invalidKeys.map((key) => [JSON.stringify(key), key] as const))(
      "refuses the key %s everywhere with InvalidBlobKeyError, writing nothing",
      async (_label, key) => {
        const path = join(store.context().directory, "file.bin");
        await writeFile(path, "data");
        const calls = [
          () => store().put(key, "data"),
          () => store().put(key, asyncChunks(["data"])),
          () => store().putFile(key, path),
          () => store().get(key),
          () => store().tryGet(key),
          () => store().open(key),
          () => store().getFile(key, join(store.context().directory, "out.bin")),
          () => store().has(key),
          () => store().delete(key),
        ];
        for (const call of calls) {
          expect(InvalidBlobKeyError.isInstance(await rejection(call()))).toBe(true);
        }
        expect(await store().keys()).toEqual([]);
        expect(existsSync(path)).toBe(true);
      },
    );

    it("refuses keys that are not strings", async () => {
      for (const key of [undefined, null, 7, ["k"]]) {
        const error = await rejection(store().put(key as unknown as string, "x"));
        expect(InvalidBlobKeyError.isInstance(error)).toBe(true);
      }
    });

    it("reports a missing key: MissingKeyError from get and open, undefined, false", async () => {
      const fromGet = await rejection(store().get("missing"));
      expect(MissingKeyError.isInstance(fromGet)).toBe(true);
      expect((fromGet as MissingKeyError).key).toBe("missing");
      expect(MissingKeyError.isInstance(await rejection(store().open("missing")))).toBe(true);
      expect(await store().tryGet("missing")).toBeUndefined();
      expect(await store().has("missing")).toBe(false);
      expect(await store().delete("missing")).toBe(false);
    });

    it("deletes a blob, saying whether there was one", async () => {
      await store().put("gone", "x");
      expect(await store().has("gone")).toBe(true);
      expect(await store().delete("gone")).toBe(true);
      expect(await store().delete("gone")).toBe(false);
      expect(await store().tryGet("gone")).toBeUndefined();
    });

    it("keeps keys apart that differ only in case or punctuation", async () => {
      const keys = ["a", "A", "a.", "a..", "a-b", "a_b", "a(b)"];
      for (const key of keys) await store().put(key, key);
      for (const key of keys) expect(Buffer.from(await store().get(key)).toString()).toBe(key);
      expect(sorted(await store().keys())).toEqual(sorted(keys));
    });
  });
}

function describeListing(store: Current, settings: SuiteSettings): void {
  describe("listing", () => {
    it("lists nothing in an empty store", async () => {
      expect(await store().keys()).toEqual([]);
      expect(await collect(store().iteratePrefixes({ delimiter: "." }))).toEqual([]);
    });

    it("lists every key, by prefix, and up to a limit", async () => {
      const keys = ["img.1", "img.2", "img.3", "doc.1", "imgx"];
      for (const key of keys) await store().put(key, key);
      expect(sorted(await store().keys())).toEqual(sorted(keys));
      expect(sorted(await collect(store().iterateKeys()))).toEqual(sorted(keys));
      expect(sorted(await store().keys({ prefix: "img." }))).toEqual(["img.1", "img.2", "img.3"]);
      expect(sorted(await collect(store().iterateKeys({ prefix: "img" })))).toEqual([
        "img.1",
        "img.2",
        "img.3",
        "imgx",
      ]);
      expect(await store().keys({ prefix: "none" })).toEqual([]);
      expect(await store().keys({ limit: 2 })).toHaveLength(2);
    });

    it("cuts keys at the first delimiter after the prefix, each prefix once", async () => {
      for (const key of ["a.1", "a.2", "b", "c.x.y", "c.x.z", "c.w", "d..e"]) {
        await store().put(key, key);
      }
      const prefixes = (options: { delimiter: string; prefix?: string }) =>
        collect(store().iteratePrefixes(options)).then(sorted);
      expect(await prefixes({ delimiter: "." })).toEqual(["a.", "b", "c.", "d."]);
      expect(await prefixes({ delimiter: ".", prefix: "c." })).toEqual(["c.w", "c.x."]);
      expect(await prefixes({ delimiter: ".", prefix: "c.x." })).toEqual(["c.x.y", "c.x.z"]);
      expect(await prefixes({ delimiter: "..", prefix: "d" })).toEqual(["d.."]);
      expect(await prefixes({ delimiter: ".", prefix: "zzz" })).toEqual([]);
    });

    if (settings.slash) {
      it("lists a hierarchy of /-separated keys level by level", async () => {
        const keys = [
          "photos/2024/a.png",
          "photos/2024/b.png",
          "photos/2025/c.png",
          "docs/readme",
          "top",
        ];
        for (const key of keys) await store().put(key, key);
        const level = (prefix?: string) =>
          collect(store().iteratePrefixes({ delimiter: "/", prefix })).then(sorted);
        expect(await level()).toEqual(["docs/", "photos/", "top"]);
        expect(await level("photos/")).toEqual(["photos/2024/", "photos/2025/"]);
        expect(await level("photos/2024/")).toEqual(["photos/2024/a.png", "photos/2024/b.png"]);
        expect(sorted(await store().keys({ prefix: "photos/" }))).toEqual(keys.slice(0, 3));
        expect(Buffer.from(await store().get("photos/2025/c.png")).toString()).toBe(
          "photos/2025/c.png",
        );
        expect(await store().delete("photos/2025/c.png")).toBe(true);
        expect(await level("photos/")).toEqual(["photos/2024/"]);
      });
    }
  });
}

function describeClosing(store: Current): void {
  describe("close", () => {
    it("refuses every call after close with StoreClosedError; closing twice is harmless", async () => {
      await store().put("k", "v");
      await store().close();
      await store().close();
      for (const call of [
        () => store().get("k"),
        () => store().put("k", "v"),
        () => store().has("k"),
        () => store().delete("k"),
        () => store().open("k"),
        () => store().keys(),
      ]) {
        expect(StoreClosedError.isInstance(await rejection(call()))).toBe(true);
      }
    });
  });
}

function describeBlobTtl(store: Current): void {
  describe("TTL", () => {
    it("expires a blob after its TTL: missing everywhere", async () => {
      await store().put("short", "soon gone", { ttl: 0.3 });
      await store().put("kept", "stays");
      expect(await store().has("short")).toBe(true);
      await sleep(1_000);
      expect(MissingKeyError.isInstance(await rejection(store().get("short")))).toBe(true);
      expect(MissingKeyError.isInstance(await rejection(store().open("short")))).toBe(true);
      expect(await store().tryGet("short")).toBeUndefined();
      expect(await store().has("short")).toBe(false);
      expect(await store().keys()).toEqual(["kept"]);
    });

    it("keeps a blob rewritten without a TTL", async () => {
      await store().put("k", "first", { ttl: 0.3 });
      await store().put("k", "second");
      await sleep(1_000);
      expect(Buffer.from(await store().get("k")).toString()).toBe("second");
    });

    it("takes a TTL on putFile and on streams", async () => {
      const path = join(store.context().directory, "ttl.bin");
      await writeFile(path, "file");
      await store().putFile("file", path, { ttl: 60 });
      await store().put("stream", asyncChunks(["str", "eam"]), { ttl: "1m" });
      expect(Buffer.from(await store().get("file")).toString()).toBe("file");
      expect(Buffer.from(await store().get("stream")).toString()).toBe("stream");
    });

    it.each(invalidTtls)(
      "refuses the TTL %s with InvalidTtlError, writing nothing",
      async (_label, ttl) => {
        const error = await rejection(store().put("k", "v", { ttl: ttl as number }));
        expect(InvalidTtlError.isInstance(error)).toBe(true);
        expect(await store().has("k")).toBe(false);
      },
    );
  });
}

function describeWithoutTtl(store: Current): void {
  describe("without TTL", () => {
    it("refuses a TTL with InvalidTtlError rather than ignoring it", async () => {
      const error = await rejection(store().put("k", "v", { ttl: 60 }));
      expect(InvalidTtlError.isInstance(error)).toBe(true);
      expect(await store().has("k")).toBe(false);
    });
  });
}

function describeUrlFor(store: Current, settings: SuiteSettings): void {
  describe("urlFor", () => {
    it("gives a URL from which the blob can be read", async () => {
      const urls = store() as BlobStore & { urlFor(key: string): Promise<string> };
      await store().put("page", "<h1>hi</h1>");
      const url = await urls.urlFor("page");
      expect(() => new URL(url)).not.toThrow();
      expect(Buffer.from(await settings.fetchUrl(url)).toString()).toBe("<h1>hi</h1>");
    });

    it("refuses a bad key with InvalidBlobKeyError", async () => {
      const urls = store() as BlobStore & { urlFor(key: string): Promise<string> };
      const error = await rejection(urls.urlFor(settings.invalidKeys[0] ?? ""));
      expect(InvalidBlobKeyError.isInstance(error)).toBe(true);
    });
  });
}

function keyPatternOf(store: BlobStore): RegExp | undefined {
  const pattern = (store as { keyPattern?: unknown }).keyPattern;
  return pattern instanceof RegExp ? pattern : undefined;
}

async function fetchBytes(url: string): Promise<Uint8Array> {
  if (url.startsWith("file:")) return readFile(fileURLToPath(url));
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function* asyncChunks(chunks: readonly unknown[]): AsyncGenerator<Uint8Array | string> {
  for (const chunk of chunks) {
    await sleep(0);
    yield chunk as Uint8Array | string;
  }
}

async function* failingChunks(before: number, failure: Error): AsyncGenerator<Uint8Array> {
  yield* generatedChunks(before, { bytes: 0, sha256: "" });
  throw failure;
}

function webStream(chunks: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}
