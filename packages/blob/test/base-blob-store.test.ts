import { Readable } from "node:stream";
import { KeyValueError, StoreConnectionError, StoreError, StoreSetupError } from "@kv/protocol";
import { describe, expect, it } from "vitest";
import {
  BaseBlobStore,
  BlobSourceError,
  type BlobWriteOptions,
  collectBytes,
  EXTENDED_KEY_REGEXP,
  InvalidBlobKeyError,
  MissingKeyError,
  prefixesOf,
  VALID_KEY_REGEXP,
} from "../src/index.ts";
import { collect } from "./collect.ts";

/** A blob store on a Map that records which hooks ran, and can be told to fail. */
class RecordingStore extends BaseBlobStore {
  readonly blobs = new Map<string, Uint8Array>();
  readonly calls: string[] = [];
  failWith: unknown;
  /** Milliseconds writeBlob waits before it reads its chunks (as a store taking a lock does). */
  writeDelayMs = 0;
  setups = 0;
  failSetups = 0;

  protected override async setup(): Promise<void> {
    this.setups++;
    if (this.failSetups-- > 0) throw new Error("mkdir failed");
  }

  protected override async openBlob(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    this.calls.push(`open ${key}`);
    const bytes = this.blobs.get(key);
    return bytes === undefined ? undefined : this.#chunks(bytes);
  }

  protected override async writeBlob(
    key: string,
    chunks: AsyncIterable<Uint8Array>,
    _options: BlobWriteOptions,
  ): Promise<void> {
    this.calls.push(`write ${key}`);
    if (this.failWith !== undefined) throw this.failWith;
    if (this.writeDelayMs > 0) await new Promise((done) => setTimeout(done, this.writeDelayMs));
    this.blobs.set(key, await collectBytes(chunks));
  }

  protected override async deleteBlob(key: string): Promise<boolean> {
    this.calls.push(`delete ${key}`);
    return this.blobs.delete(key);
  }

  protected override async *listKeys(prefix: string): AsyncIterable<string> {
    this.calls.push(`list ${prefix}`);
    yield* this.blobs.keys();
  }

  protected override keyProblem(key: string): string | undefined {
    return key === "reserved" ? "The key reserved is taken by the store" : undefined;
  }

  async *#chunks(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
    yield bytes.subarray(0, 1);
    if (this.failWith !== undefined) throw this.failWith;
    yield bytes.subarray(1);
  }
}

describe("BaseBlobStore", () => {
  it("refuses a bad key before any hook runs", async () => {
    const store = new RecordingStore();
    for (const key of ["", "a b", "a/b", "ä", "reserved"]) {
      const error = await store.put(key, "x").catch((e: unknown) => e);
      expect(InvalidBlobKeyError.isInstance(error)).toBe(true);
      expect(error).toBeInstanceOf(KeyValueError);
    }
    expect(store.calls).toEqual([]);
    expect(store.setups).toBe(0);
  });

  it("accepts / and space with the extended key pattern", async () => {
    const store = new RecordingStore({ keyPattern: EXTENDED_KEY_REGEXP });
    await store.put("dir/file name", "x");
    expect(await store.keys()).toEqual(["dir/file name"]);
  });

  it("validates keys with simplekv's pattern by default", () => {
    expect(new RecordingStore().keyPattern).toBe(VALID_KEY_REGEXP);
    expect(VALID_KEY_REGEXP.test("09azAZ!\"`#$%&'()+,-.<=>?@[]^_{}~")).toBe(true);
    for (const key of ["", "a b", "a/b", "a\\b", "a:b", "a*b", "é"]) {
      expect(VALID_KEY_REGEXP.test(key)).toBe(false);
    }
  });

  it("turns every kind of data into one stream of byte chunks", async () => {
    const store = new RecordingStore();
    await store.put("a", Readable.from([Buffer.from("ab"), "cd"]));
    await store.put("b", new ReadableStream({ start: (c) => c.close() }));
    expect(new TextDecoder().decode(store.blobs.get("a"))).toBe("abcd");
    expect(store.blobs.get("b")?.byteLength).toBe(0);
  });

  it("refuses a TTL when the store has no TTL support", async () => {
    const store = new RecordingStore();
    const error = await store.put("k", "v", { ttl: 10 }).catch((e: unknown) => e);
    expect((error as KeyValueError).name).toBe("InvalidTtlError");
    expect(store.calls).toEqual([]);
  });

  it("wraps a backend failure in StoreError with the failure as cause and the key", async () => {
    const store = new RecordingStore();
    const failure = new Error("disk full");
    store.failWith = failure;
    const error = await store.put("k", "v").catch((e: unknown) => e);
    expect(StoreError.isInstance(error)).toBe(true);
    expect((error as StoreError).cause).toBe(failure);
    expect((error as StoreError).key).toBe("k");
    expect((error as StoreError).transient).toBe(false);
  });

  it("keeps a KeyValueError from a hook as it is", async () => {
    const store = new RecordingStore();
    const failure = new StoreConnectionError({ message: "unreachable" });
    store.failWith = failure;
    expect(await store.put("k", "v").catch((e: unknown) => e)).toBe(failure);
  });

  it("maps a failure while a blob is streamed onto the stream as StoreError", async () => {
    const store = new RecordingStore();
    await store.put("k", "value");
    store.failWith = new Error("read failed");
    const stream = await store.open("k");
    const error = await collectBytes(stream).catch((e: unknown) => e);
    expect(StoreError.isInstance(error)).toBe(true);
    expect((error as Error).cause).toBe(store.failWith);
  });

  it("hands a Node Readable from openBlob over as it is, mapping the error it fails with", async () => {
    const failure = Object.assign(new Error("EIO: i/o error"), { code: "EIO" });
    const source = new Readable({
      read() {
        this.destroy(failure);
      },
    });
    class StreamingStore extends RecordingStore {
      protected override async openBlob(): Promise<AsyncIterable<Uint8Array>> {
        return source;
      }
    }
    const stream = await new StreamingStore().open("k");
    expect(stream).toBe(source);
    const error = await collectBytes(stream).catch((e: unknown) => e);
    expect(StoreError.isInstance(error)).toBe(true);
    expect((error as Error).cause).toBe(failure);
  });

  it("refuses a missing file with BlobSourceError even when the store reads its chunks late", async () => {
    const store = new RecordingStore();
    store.writeDelayMs = 50;
    const error = await store.putFile("k", "/nonexistent/kv-absent.bin").catch((e: unknown) => e);
    expect(BlobSourceError.isInstance(error)).toBe(true);
    expect(store.blobs.has("k")).toBe(false);
  });

  it("reports a source stream that fails before the store reads it as BlobSourceError", async () => {
    const store = new RecordingStore();
    store.writeDelayMs = 50;
    const source = new Readable({ read() {} });
    setImmediate(() => source.destroy(new Error("upstream reset")));
    const error = await store.put("k", source).catch((e: unknown) => e);
    expect(BlobSourceError.isInstance(error)).toBe(true);
    expect((error as Error).cause).toEqual(new Error("upstream reset"));
    expect(store.blobs.has("k")).toBe(false);
  });

  it("throws MissingKeyError naming the key from get and open", async () => {
    const store = new RecordingStore();
    const error = await store.get("none").catch((e: unknown) => e);
    expect(MissingKeyError.isInstance(error)).toBe(true);
    expect((error as MissingKeyError).keys).toEqual(["none"]);
    expect((error as MissingKeyError).code).toBe("MISSING_KEY");
  });

  it("sets up once, retries a failed setup, and reports it as StoreSetupError", async () => {
    const store = new RecordingStore();
    store.failSetups = 1;
    const error = await store.has("k").catch((e: unknown) => e);
    expect(StoreSetupError.isInstance(error)).toBe(true);
    expect(await store.has("k")).toBe(false);
    await store.has("k");
    expect(store.setups).toBe(2);
  });

  it("answers has() from the key listing by default", async () => {
    const store = new RecordingStore();
    await store.put("k", "v");
    expect(await store.has("k")).toBe(true);
    expect(store.calls).toContain("list k");
  });

  it("refuses a bad limit, prefix or delimiter", async () => {
    const store = new RecordingStore();
    await expect(store.keys({ limit: 0 })).rejects.toThrow(RangeError);
    expect(() => store.iteratePrefixes({ delimiter: "" })).toThrow(TypeError);
    expect(() => store.iterateKeys({ prefix: 3 as unknown as string })).toThrow(
      InvalidBlobKeyError,
    );
  });
});

describe("prefixesOf", () => {
  async function* keys(...names: string[]): AsyncGenerator<string> {
    yield* names;
  }
  const list = async (source: AsyncIterable<string>) => (await collect(source)).sort();

  it("yields each common prefix once and keys without a delimiter whole", async () => {
    expect(await list(prefixesOf(keys("a/1", "a/2", "b", "c/d/e"), "", "/"))).toEqual([
      "a/",
      "b",
      "c/",
    ]);
  });

  it("cuts at the first delimiter after the prefix", async () => {
    expect(await list(prefixesOf(keys("c/d/e", "c/d/f", "c/g", "x"), "c/", "/"))).toEqual([
      "c/d/",
      "c/g",
    ]);
  });
});
