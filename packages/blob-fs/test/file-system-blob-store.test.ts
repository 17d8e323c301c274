import { once } from "node:events";
import { createWriteStream, existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { pathToFileURL } from "node:url";
import { BlobSourceError, InvalidBlobKeyError, MissingKeyError } from "@kv/blob";
import { type KeyValueError, StoreConnectionError, StoreError } from "@kv/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FileSystemBlobStore } from "../src/index.ts";

let root = "";
let store: FileSystemBlobStore;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "kv-blob-fs-"));
  store = new FileSystemBlobStore({ directory: join(root, "blobs") });
});
afterEach(async () => {
  await store.close();
  await rm(root, { recursive: true, force: true });
});

async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
}

describe("FileSystemBlobStore", () => {
  it("needs a directory, and keeps it as an absolute path", () => {
    for (const directory of [undefined, "", 7]) {
      expect(
        () => new FileSystemBlobStore({ directory } as unknown as { directory: string }),
      ).toThrow(new TypeError("FileSystemBlobStore needs a `directory`"));
    }
    expect(new FileSystemBlobStore({ directory: "relative/blobs" }).directory).toBe(
      join(process.cwd(), "relative/blobs"),
    );
  });

  it("stores a key as the file at its path, / separating directories", async () => {
    await store.put("photos/2024/cat.png", "meow");
    expect(await readFile(join(root, "blobs", "photos", "2024", "cat.png"), "utf8")).toBe("meow");
  });

  it("sees blobs written by another store over the same directory", async () => {
    await store.put("shared", "from one");
    const other = new FileSystemBlobStore({ directory: join(root, "blobs") });
    expect(Buffer.from(await other.get("shared")).toString()).toBe("from one");
    await other.close();
  });

  it("moves a file in with a rename when asked, keeping its inode", async () => {
    const path = join(root, "upload.bin");
    await writeFile(path, "uploaded");
    const inode = (await stat(path)).ino;
    await store.putFile("uploads/a.bin", path, { move: true });
    expect(existsSync(path)).toBe(false);
    expect((await stat(join(root, "blobs", "uploads", "a.bin"))).ino).toBe(inode);
  });

  it("copies a file in without move, leaving the original", async () => {
    const path = join(root, "upload.bin");
    await writeFile(path, "uploaded");
    await store.putFile("copy", path);
    expect((await stat(join(root, "blobs", "copy"))).ino).not.toBe((await stat(path)).ino);
    expect(await readFile(path, "utf8")).toBe("uploaded");
  });

  it("refuses a directory given to putFile with BlobSourceError", async () => {
    const error = await store.putFile("dir", root).catch((e: unknown) => e);
    expect(BlobSourceError.isInstance(error)).toBe(true);
  });

  it("refuses keys that would leave the directory, before creating anything", async () => {
    for (const key of ["../outside", "a/../../outside", "/etc/passwd", "..", "a//b"]) {
      const error = await store.put(key, "x").catch((e: unknown) => e);
      expect(InvalidBlobKeyError.isInstance(error)).toBe(true);
    }
    expect(await readdir(root)).toEqual([]);
  });

  it("refuses a key whose path is a directory of other keys, and the reverse", async () => {
    await store.put("a/b", "inner");
    const asFile = await store.put("a", "outer").catch((e: unknown) => e);
    expect(InvalidBlobKeyError.isInstance(asFile)).toBe(true);
    await store.put("c", "outer");
    const asDirectory = await store.put("c/d", "inner").catch((e: unknown) => e);
    expect(InvalidBlobKeyError.isInstance(asDirectory)).toBe(true);
    expect((await store.keys()).sort()).toEqual(["a/b", "c"]);
    expect(await filesUnder(join(root, "blobs"))).not.toContainEqual(
      expect.stringMatching(/^\.kv-tmp-/),
    );
  });

  it("reads a key whose path is a directory of other keys as missing", async () => {
    await store.put("a/b", "inner");
    expect(MissingKeyError.isInstance(await store.open("a").catch((e: unknown) => e))).toBe(true);
    expect(await store.tryGet("a")).toBeUndefined();
    expect(await store.has("a")).toBe(false);
  });

  it("opens an empty blob as a stream that ends at once", async () => {
    await store.put("empty", new Uint8Array());
    const chunks: Uint8Array[] = [];
    for await (const chunk of await store.open("empty")) chunks.push(chunk);
    expect(Buffer.concat(chunks).byteLength).toBe(0);
  });

  it("hands over a stream that pipes, and flows for a data listener attached later", async () => {
    const bytes = Buffer.alloc(300 * 1024, 7);
    await store.put("big", bytes);
    const copy = join(root, "copy");
    await pipeline(await store.open("big"), createWriteStream(copy));
    expect((await stat(copy)).size).toBe(bytes.byteLength);
    const stream = await store.open("big");
    await new Promise((resolve) => setTimeout(resolve, 20));
    let received = 0;
    stream.on("data", (chunk: Buffer) => {
      received += chunk.byteLength;
    });
    await once(stream, "end");
    expect(received).toBe(bytes.byteLength);
  });

  it("removes directories left empty by a delete", async () => {
    await store.put("x/y/z", "deep");
    await store.put("x/keep", "kept");
    await store.delete("x/y/z");
    expect(existsSync(join(root, "blobs", "x", "y"))).toBe(false);
    expect(existsSync(join(root, "blobs", "x", "keep"))).toBe(true);
  });

  it("leaves no temporary file behind when a streamed put fails", async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(100_000);
      throw new Error("client went away");
    }
    await store.put("dir/kept", "old");
    await expect(store.put("dir/kept", failing())).rejects.toSatisfy(BlobSourceError.isInstance);
    expect(await filesUnder(join(root, "blobs"))).toEqual(["kept"]);
  });

  it("gives file: URLs, or URLs under urlPrefix with encoded segments", async () => {
    expect(await store.urlFor("a b/c")).toBe(pathToFileURL(join(root, "blobs", "a b", "c")).href);
    const served = new FileSystemBlobStore({ directory: root, urlPrefix: "https://cdn.test/" });
    expect(await served.urlFor("a b/c#1")).toBe("https://cdn.test/a%20b/c%231");
    await served.close();
  });

  it("tells transient file-system failures (EMFILE ...) from permanent ones (EACCES ...)", () => {
    class Exposed extends FileSystemBlobStore {
      map(code: string): KeyValueError {
        return this.mapError(Object.assign(new Error(code), { code }), { operation: "get" });
      }
    }
    const exposed = new Exposed({ directory: root });
    for (const code of ["EMFILE", "ENFILE", "EAGAIN", "EBUSY"]) {
      expect(StoreConnectionError.isInstance(exposed.map(code))).toBe(true);
      expect(exposed.map(code).transient).toBe(true);
    }
    for (const code of ["EACCES", "ENOSPC", "EROFS", "EIO"]) {
      const error = exposed.map(code);
      expect(StoreError.isInstance(error) && !error.transient).toBe(true);
      expect((error.cause as { code: string }).code).toBe(code);
    }
  });

  it("accepts only simplekv's keys when given VALID_KEY_REGEXP", async () => {
    const { VALID_KEY_REGEXP } = await import("@kv/blob");
    const flat = new FileSystemBlobStore({ directory: root, keyPattern: VALID_KEY_REGEXP });
    await expect(flat.put("a/b", "x")).rejects.toSatisfy(InvalidBlobKeyError.isInstance);
    await flat.close();
  });
});
