import { createHash } from "node:crypto";
import { opendir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeNewFile } from "@kv/atomic-files";
import { prefixesOf } from "@kv/blob";
import { FileSystemBlobStore, type FileSystemBlobStoreOptions } from "./file-system-blob-store.ts";
import {
  isMissing,
  removeEmptyParents,
  replaceAtomically,
  TEMPORARY_PREFIX,
  unlinkFile,
} from "./files.ts";

/** Options of `HashDirBlobStore`. */
export interface HashDirBlobStoreOptions extends FileSystemBlobStoreOptions {
  /** Hex digits of the hash per directory level. @default 2 */
  width?: number | undefined;
  /** Directory levels before the file. @default 3 */
  depth?: number | undefined;
}

const KEY_SUFFIX = ".key";

/**
 * Blobs in a hashed directory tree (the object-storage package's `HashdirStore`): the SHA-256 of
 * the key's UTF-8, in hex, split into `depth` directories of `width` digits, the rest naming the
 * file (`ab/cd/ef/0123…`), so no directory grows large whatever the keys. Beside each blob a
 * `<file>.key` file holds its key, so keys can be listed. Writes are atomic as in
 * `FileSystemBlobStore`.
 */
export class HashDirBlobStore extends FileSystemBlobStore {
  /** Hex digits of the hash per directory level. */
  readonly width: number;
  /** Directory levels before the file. */
  readonly depth: number;

  /** @throws TypeError for a missing directory; RangeError when `width * depth` is not below 64 */
  constructor(options: HashDirBlobStoreOptions) {
    super(options);
    this.width = options.width ?? 2;
    this.depth = options.depth ?? 3;
    for (const value of [this.width, this.depth]) {
      if (!Number.isInteger(value) || value < 0) {
        throw new RangeError("width and depth must be non-negative integers");
      }
    }
    if (this.width * this.depth >= 64) {
      throw new RangeError("width * depth must leave some of the 64 hex digits for the file name");
    }
  }

  protected override pathOf(key: string): string {
    return join(this.directory, this.#hashPath(key));
  }

  protected override urlPathOf(key: string): string {
    return this.#hashPath(key);
  }

  protected override keyProblem(_key: string): string | undefined {
    return undefined;
  }

  protected override async prepareWrite(key: string): Promise<void> {
    await replaceAtomically(this.pathOf(key) + KEY_SUFFIX, (temporary) =>
      writeNewFile(temporary, Buffer.from(key), this.fsync),
    );
  }

  protected override async deleteBlob(key: string): Promise<boolean> {
    const path = this.pathOf(key);
    const removed = await unlinkFile(path);
    await unlinkFile(path + KEY_SUFFIX);
    await removeEmptyParents(path, this.directory);
    return removed;
  }

  protected override async *listKeys(prefix: string): AsyncIterable<string> {
    for await (const path of this.#blobFiles(this.directory, this.depth)) {
      const key = await readKey(path);
      if (key?.startsWith(prefix)) yield key;
    }
  }

  protected override listPrefixes(prefix: string, delimiter: string): AsyncIterable<string> {
    return prefixesOf(this.listKeys(prefix), prefix, delimiter);
  }

  #hashPath(key: string): string {
    const hash = createHash("sha256").update(key).digest("hex");
    const parts: string[] = [];
    for (let level = 0; level < this.depth; level++) {
      parts.push(hash.slice(level * this.width, (level + 1) * this.width));
    }
    parts.push(hash.slice(this.depth * this.width));
    return parts.join("/");
  }

  /** Yields the blob files `levels` directories below `directory`, in bounded memory. */
  async *#blobFiles(directory: string, levels: number): AsyncGenerator<string, void, undefined> {
    let entries: Awaited<ReturnType<typeof opendir>>;
    try {
      entries = await opendir(directory, { bufferSize: 64 });
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    for await (const entry of entries) {
      const path = join(directory, entry.name);
      if (levels > 0 && entry.isDirectory()) yield* this.#blobFiles(path, levels - 1);
      else if (levels === 0 && entry.isFile() && isBlobName(entry.name)) yield path;
    }
  }
}

function isBlobName(name: string): boolean {
  return !name.endsWith(KEY_SUFFIX) && !name.startsWith(TEMPORARY_PREFIX);
}

async function readKey(blobPath: string): Promise<string | undefined> {
  try {
    return await readFile(blobPath + KEY_SUFFIX, "utf8");
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}
