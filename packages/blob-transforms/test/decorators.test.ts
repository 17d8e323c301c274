import { gunzipSync } from "node:zlib";
import { InvalidBlobKeyError, MemoryBlobStore, supportsBlobTtl, supportsUrlFor } from "@kv/blob";
import { DeserializationError } from "@kv/protocol";
import { describe, expect, it } from "vitest";
import {
  Base64BlobStore,
  BlobIntegrityError,
  GeneratedKeysBlobStore,
  GzipBlobStore,
  HmacBlobStore,
  KeyValidatingBlobStore,
  PrefixBlobStore,
  ReadOnlyBlobStore,
  ReadOnlyBlobStoreError,
  TextBlobStore,
  UrlEncodedKeysBlobStore,
} from "../src/index.ts";

const secret = "a secret of at least sixteen bytes";
const text = (bytes: Uint8Array) => Buffer.from(bytes).toString();
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

async function streamed(stream: AsyncIterable<unknown>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

describe("GzipBlobStore", () => {
  it("stores a gzip stream and reads it back", async () => {
    const inner = new MemoryBlobStore();
    const store = new GzipBlobStore(inner);
    await store.put("k", ["hello ", "world"]);
    expect(gunzipSync(await inner.get("k")).toString()).toBe("hello world");
    expect(text(await store.get("k"))).toBe("hello world");
  });

  it("reads data that is not gzip as DeserializationError", async () => {
    const inner = new MemoryBlobStore();
    await inner.put("k", "plain");
    const store = new GzipBlobStore(inner);
    expect(DeserializationError.isInstance(await failure(store.get("k")))).toBe(true);
    expect(DeserializationError.isInstance(await failure(streamed(await store.open("k"))))).toBe(
      true,
    );
  });

  it("forwards TTL but not urlFor", () => {
    const store = new GzipBlobStore(new MemoryBlobStore());
    expect(supportsBlobTtl(store)).toBe(true);
    expect(supportsUrlFor(store)).toBe(false);
  });
});

describe("Base64BlobStore", () => {
  it("stores base64 text, whatever the chunk boundaries", async () => {
    const inner = new MemoryBlobStore();
    const store = new Base64BlobStore(inner);
    await store.put("k", ["a", "bcd", "e"]);
    expect(text(await inner.get("k"))).toBe("YWJjZGU=");
    expect(await streamed(await store.open("k"))).toBe("abcde");
  });

  it("reads text that is not base64 as DeserializationError", async () => {
    const inner = new MemoryBlobStore();
    await inner.put("k", "not base64!");
    const error = await failure(new Base64BlobStore(inner).get("k"));
    expect(DeserializationError.isInstance(error)).toBe(true);
  });
});

describe("HmacBlobStore", () => {
  it("appends a 32-byte HMAC and returns the data when it checks out", async () => {
    const inner = new MemoryBlobStore();
    const store = new HmacBlobStore(inner, { secret });
    await store.put("k", "signed");
    expect((await inner.get("k")).byteLength).toBe(6 + 32);
    expect(text(await store.get("k"))).toBe("signed");
    expect(await streamed(await store.open("k"))).toBe("signed");
  });

  it("throws BlobIntegrityError for tampered data, whole and streamed", async () => {
    const inner = new MemoryBlobStore();
    const store = new HmacBlobStore(inner, { secret });
    await store.put("k", "x".repeat(100_000));
    const stored = Buffer.from(await inner.get("k"));
    stored[10] = "y".charCodeAt(0);
    await inner.put("k", stored);
    expect(BlobIntegrityError.isInstance(await failure(store.get("k")))).toBe(true);
    const stream = failure(streamed(await store.open("k")));
    expect(BlobIntegrityError.isInstance(await stream)).toBe(true);
  });

  it("refuses a blob moved to another key, signed with another secret, or unsigned", async () => {
    const inner = new MemoryBlobStore();
    await new HmacBlobStore(inner, { secret }).put("a", "data");
    await inner.put("b", await inner.get("a"));
    await inner.put("short", "tiny");
    const store = new HmacBlobStore(inner, { secret });
    const other = new HmacBlobStore(inner, { secret: "another secret of sixteen bytes" });
    for (const attempt of [store.get("b"), other.get("a"), store.get("short")]) {
      expect(BlobIntegrityError.isInstance(await failure(attempt))).toBe(true);
    }
  });

  it("refuses a secret shorter than 16 bytes", () => {
    expect(() => new HmacBlobStore(new MemoryBlobStore(), { secret: "short" })).toThrow(RangeError);
  });
});

describe("TextBlobStore", () => {
  it("stores strings in the chosen encoding", async () => {
    const inner = new MemoryBlobStore();
    const store = new TextBlobStore(inner, { encoding: "utf-16le" });
    await store.putText("k", "hé");
    expect([...(await inner.get("k"))]).toEqual([0x68, 0, 0xe9, 0]);
    expect(await store.getText("k")).toBe("hé");
    expect(await store.tryGetText("missing")).toBeUndefined();
  });

  it("streams text with characters split between chunks", async () => {
    const store = new TextBlobStore(new MemoryBlobStore());
    await store.put("k", [Buffer.from([0xc3]), Buffer.from([0xa9, 0x21])]);
    const pieces: string[] = [];
    for await (const piece of store.iterateText("k")) pieces.push(piece);
    expect(pieces.join("")).toBe("é!");
  });

  it("reads bytes that are not valid UTF-8 as DeserializationError", async () => {
    const store = new TextBlobStore(new MemoryBlobStore());
    await store.put("k", Buffer.from([0xff, 0xfe, 0xfd]));
    expect(DeserializationError.isInstance(await failure(store.getText("k")))).toBe(true);
  });
});

describe("PrefixBlobStore", () => {
  it("writes under the prefix and lists keys without it", async () => {
    const inner = new MemoryBlobStore();
    await inner.put("other", "x");
    const store = new PrefixBlobStore(inner, "tenant-1~");
    await store.put("photo", "x");
    expect(await inner.keys({ prefix: "tenant-1~" })).toEqual(["tenant-1~photo"]);
    expect(await store.keys()).toEqual(["photo"]);
    expect(await store.has("other")).toBe(false);
  });
});

describe("ReadOnlyBlobStore", () => {
  it("reads through and refuses put, putFile and delete with ReadOnlyBlobStoreError", async () => {
    const inner = new MemoryBlobStore();
    await inner.put("k", "kept");
    const store = new ReadOnlyBlobStore(inner);
    expect(text(await store.get("k"))).toBe("kept");
    for (const write of [
      store.put("k", "new"),
      store.putFile("k", "/nonexistent"),
      store.delete("k"),
    ]) {
      expect(ReadOnlyBlobStoreError.isInstance(await failure(write))).toBe(true);
    }
    expect(text(await inner.get("k"))).toBe("kept");
  });
});

describe("KeyValidatingBlobStore", () => {
  it("refuses keys outside its pattern with InvalidBlobKeyError before the inner store", async () => {
    const inner = new MemoryBlobStore();
    const store = new KeyValidatingBlobStore(inner, /^[a-z]+\.png$/);
    await store.put("cat.png", "x");
    expect(InvalidBlobKeyError.isInstance(await failure(store.put("cat.gif", "x")))).toBe(true);
    expect(await inner.keys()).toEqual(["cat.png"]);
  });
});

describe("UrlEncodedKeysBlobStore", () => {
  it("round-trips any Unicode key, keeping / where the inner store has it", async () => {
    const inner = new MemoryBlobStore({ keyPattern: /^[A-Za-z0-9%._~/-]+$/ });
    const store = new UrlEncodedKeysBlobStore(inner);
    const keys = ["photos/été.png", "a b/c:d", "../up", "🙂/x*y"];
    for (const key of keys) await store.put(key, key);
    expect((await inner.keys()).sort()).toEqual(
      ["%2E%2E/up", "%F0%9F%99%82/x%2Ay", "a%20b/c%3Ad", "photos/%C3%A9t%C3%A9.png"].sort(),
    );
    expect((await store.keys()).sort()).toEqual([...keys].sort());
    for (const key of keys) expect(text(await store.get(key))).toBe(key);
    expect(await store.keys({ prefix: "photos/é" })).toEqual(["photos/été.png"]);
  });

  it("encodes / too over a store without it", async () => {
    const inner = new MemoryBlobStore();
    await new UrlEncodedKeysBlobStore(inner).put("a/b", "x");
    expect(await inner.keys()).toEqual(["a%2Fb"]);
  });
});

describe("GeneratedKeysBlobStore", () => {
  it("adds under a UUID key made from the template and returns it", async () => {
    const store = new GeneratedKeysBlobStore(new MemoryBlobStore(), { template: "{}.png" });
    const key = await store.add("image");
    expect(key).toMatch(/^[0-9a-f-]{36}\.png$/);
    expect(text(await store.get(key))).toBe("image");
  });

  it("adds under the SHA-256 of the data, bytes or streamed", async () => {
    const store = new GeneratedKeysBlobStore(new MemoryBlobStore(), { generate: "sha256" });
    const digest = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
    expect(await store.add("hello")).toBe(digest);
    expect(await store.add(["he", "llo"])).toBe(digest);
    expect(await store.keys()).toEqual([digest]);
  });

  it("refuses a template without exactly one {}", () => {
    expect(() => new GeneratedKeysBlobStore(new MemoryBlobStore(), { template: "x" })).toThrow(
      RangeError,
    );
  });
});
