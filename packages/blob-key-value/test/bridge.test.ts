import { MemoryBlobStore } from "@kv/blob";
import { MemoryStore } from "@kv/memory";
import { DeserializationError } from "@kv/protocol";
import { describe, expect, it } from "vitest";
import {
  BlobKeyValueStore,
  BlobTooLargeError,
  decodeName,
  encodeName,
  KeyValueBlobStore,
} from "../src/index.ts";

describe("encodeName", () => {
  it("keeps letters, digits, - and _ and percent-encodes every other UTF-8 byte", () => {
    expect(encodeName("user_42-a")).toBe("user_42-a");
    expect(encodeName("a/b.c")).toBe("a%2Fb%2Ec");
    expect(encodeName("..")).toBe("%2E%2E");
    expect(encodeName("é")).toBe("%C3%A9");
  });

  it("decodes what it encoded and nothing else", () => {
    for (const name of ["a::b", "🙂", "%41", " ", "\0", "x".repeat(300)]) {
      expect(decodeName(encodeName(name))).toBe(name);
    }
    expect(decodeName("a%2fb")).toBeUndefined();
    expect(decodeName("a.b")).toBeUndefined();
    expect(decodeName("%41")).toBeUndefined();
  });
});

describe("BlobKeyValueStore", () => {
  it("stores each entry as py-key-value's JSON document at <prefix><collection>~<key>", async () => {
    const blobs = new MemoryBlobStore();
    const store = new BlobKeyValueStore(blobs, { prefix: "kv-" });
    await store.put("user/1", { name: "Ada" }, { collection: "people" });
    expect(await blobs.keys()).toEqual(["kv-people~user%2F1"]);
    const document = JSON.parse(Buffer.from(await blobs.get("kv-people~user%2F1")).toString());
    expect(document).toMatchObject({
      collection: "people",
      key: "user/1",
      value: { name: "Ada" },
      version: 1,
    });
    expect(typeof document.created_at).toBe("string");
  });

  it("separates collection and key with / when the blob store accepts it", async () => {
    const blobs = new MemoryBlobStore({ keyPattern: /^[a-zA-Z0-9%_/-]+$/ });
    const store = new BlobKeyValueStore(blobs);
    expect(store.separator).toBe("/");
    await store.put("k", { n: 1 }, { collection: "c" });
    expect(await blobs.keys()).toEqual(["c/k"]);
  });

  it("refuses a prefix the blob store cannot hold", () => {
    expect(() => new BlobKeyValueStore(new MemoryBlobStore(), { prefix: "a b" })).toThrow(
      RangeError,
    );
  });

  it("leaves blobs of other layouts alone when destroyed", async () => {
    const blobs = new MemoryBlobStore();
    const store = new BlobKeyValueStore(blobs);
    await blobs.put("not-an-entry", "bytes");
    await store.put("k", { n: 1 });
    expect(await store.destroy()).toBe(true);
    expect(await blobs.keys()).toEqual(["not-an-entry"]);
  });

  it("leaves the borrowed blob store open on close unless asked", async () => {
    const blobs = new MemoryBlobStore();
    await new BlobKeyValueStore(blobs).close();
    await blobs.put("still-open", "yes");
    await new BlobKeyValueStore(blobs, { closeBlobStore: true }).close();
    await expect(blobs.put("closed", "no")).rejects.toThrow();
  });
});

describe("KeyValueBlobStore", () => {
  it("stores a blob as { data: <base64> } in its collection", async () => {
    const store = new MemoryStore();
    const blobs = new KeyValueBlobStore(store, { collection: "files" });
    await blobs.put("hello.txt", "hello");
    expect(await store.get("hello.txt", { collection: "files" })).toEqual({ data: "aGVsbG8=" });
  });

  it("refuses a blob over maxBytes with BlobTooLargeError, keeping the old one", async () => {
    const blobs = new KeyValueBlobStore(new MemoryStore(), { maxBytes: 4 });
    await blobs.put("k", "1234");
    const whole = await blobs.put("k", "12345").catch((error: unknown) => error);
    expect(BlobTooLargeError.isInstance(whole)).toBe(true);
    expect((whole as BlobTooLargeError).maxBytes).toBe(4);
    const streamed = await blobs.put("k", ["12", "34", "5"]).catch((error: unknown) => error);
    expect(BlobTooLargeError.isInstance(streamed)).toBe(true);
    expect(Buffer.from(await blobs.get("k")).toString()).toBe("1234");
  });

  it("reads an entry that is not a blob as DeserializationError", async () => {
    const store = new MemoryStore();
    await store.put("k", { other: true }, { collection: "blobs" });
    const error = await new KeyValueBlobStore(store).get("k").catch((caught: unknown) => caught);
    expect(DeserializationError.isInstance(error)).toBe(true);
  });

  it("refuses maxBytes that is not a positive integer", () => {
    expect(() => new KeyValueBlobStore(new MemoryStore(), { maxBytes: 0 })).toThrow(RangeError);
  });
});
