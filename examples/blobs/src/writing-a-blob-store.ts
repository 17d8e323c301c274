import assert from "node:assert/strict";
import { BaseBlobStore, type BlobWriteOptions, MissingKeyError } from "@kv/blob";

/** Blobs as lists of chunks in a Map: the four hooks every blob store implements. */
class ChunkMapBlobStore extends BaseBlobStore {
  readonly #blobs = new Map<string, Uint8Array[]>();

  protected override async openBlob(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const chunks = this.#blobs.get(key);
    return chunks === undefined ? undefined : copies(chunks);
  }

  protected override async writeBlob(
    key: string,
    chunks: AsyncIterable<Uint8Array>,
    _options: BlobWriteOptions,
  ): Promise<void> {
    const stored: Uint8Array[] = [];
    for await (const chunk of chunks) stored.push(chunk.slice()); // a failing source throws here
    this.#blobs.set(key, stored); // replaced whole, only once every chunk arrived
  }

  protected override async deleteBlob(key: string): Promise<boolean> {
    return this.#blobs.delete(key);
  }

  protected override async *listKeys(prefix: string): AsyncIterable<string> {
    for (const key of this.#blobs.keys()) if (key.startsWith(prefix)) yield key;
  }
}

async function* copies(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield chunk.slice();
}

// The base class supplies the rest: get, tryGet, open, putFile, getFile, has, keys, prefixes.
const store = new ChunkMapBlobStore();
await store.put("report.csv", ["id,total\n", "1,950\n"]);
assert.equal(Buffer.from(await store.get("report.csv")).toString(), "id,total\n1,950\n");
assert.equal(await store.has("report.csv"), true);
await assert.rejects(store.get("missing.csv"), MissingKeyError.isInstance);
await assert.rejects(store.put("no spaces allowed", "x"), { name: "InvalidBlobKeyError" });
await store.close();
