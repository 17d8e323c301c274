import { copyFile, mkdir, opendir, readFile, rename, stat } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { errorCode, storeDirectory, toFileStoreError, writeNewFile } from "@kv/atomic-files";
import {
  BaseBlobStore,
  BlobSourceError,
  type BlobUrls,
  type BlobWriteOptions,
  EXTENDED_KEY_REGEXP,
  type FileWriteOptions,
  InvalidBlobKeyError,
} from "@kv/blob";
import { type ErrorContext, type KeyValueError, messageOf } from "@kv/protocol";
import {
  isInside,
  isMissing,
  openReadStream,
  removeEmptyParents,
  replaceAtomically,
  TEMPORARY_PREFIX,
  unlinkFile,
  writeChunks,
} from "./files.ts";

/** Options of `FileSystemBlobStore`. */
export interface FileSystemBlobStoreOptions {
  /** The directory holding the blobs, created when missing. */
  directory: string;
  /** The keys it accepts; `/` separates directories. @default EXTENDED_KEY_REGEXP (`/` and space allowed) */
  keyPattern?: RegExp | undefined;
  /** Flush every written file to disk before it replaces the old one. @default false */
  fsync?: boolean | undefined;
  /** `urlFor` gives this text followed by the key's URL-encoded segments; @default `file:` URLs */
  urlPrefix?: string | undefined;
}

/** The longest name (in bytes) of one file or directory on common file systems. */
const MAX_SEGMENT_BYTES = 255;
const conflictCodes = new Set(["ENOTDIR", "EISDIR", "EEXIST"]);

/**
 * Blobs as files under one directory (simplekv's `FilesystemStore`): a key is a path relative to
 * the directory, `/` separating its directories. Writes go to a temporary file beside the target
 * and are renamed over it, so readers never see a part; `putFile` with `move` renames the file in,
 * and `getFile` copies with `copyFile`. Keys that would leave the directory are refused.
 */
export class FileSystemBlobStore extends BaseBlobStore implements BlobUrls {
  /** The directory holding the blobs (absolute). */
  readonly directory: string;
  /** Whether written files are flushed to disk before they are installed. */
  protected readonly fsync: boolean;
  readonly #urlPrefix: string | undefined;

  /** @throws TypeError when `directory` is not a non-empty string */
  constructor(options: FileSystemBlobStoreOptions) {
    super({ keyPattern: options.keyPattern ?? EXTENDED_KEY_REGEXP });
    this.directory = storeDirectory(options.directory, new.target.name);
    this.fsync = options.fsync ?? false;
    this.#urlPrefix = options.urlPrefix;
  }

  /**
   * A URL for the blob: its `file:` URL, or `urlPrefix` followed by the key's URL-encoded segments.
   * @throws InvalidBlobKeyError
   */
  urlFor(key: string): Promise<string> {
    return this.withKey("get", key, async () =>
      this.#urlPrefix === undefined
        ? pathToFileURL(this.pathOf(key)).href
        : this.#urlPrefix + this.urlPathOf(key),
    );
  }

  /** The part of a URL after `urlPrefix` for a (validated) key: its URL-encoded segments. */
  protected urlPathOf(key: string): string {
    return key.split("/").map(encodeURIComponent).join("/");
  }

  /** Runs before every write of a blob (nothing here; a layout may record the key). */
  protected prepareWrite(_key: string): Promise<void> {
    return Promise.resolve();
  }

  /** The file holding the blob of a (validated) key. */
  protected pathOf(key: string): string {
    return join(this.directory, ...key.split("/"));
  }

  protected override keyProblem(key: string): string | undefined {
    for (const segment of key.split("/")) {
      if (segment === "") return "A blob key must not start or end with / or contain //";
      if (segment === "." || segment === "..") return "A blob key must not have . or .. segments";
      if (segment.startsWith(TEMPORARY_PREFIX)) {
        return `A blob key's segments must not start with ${TEMPORARY_PREFIX}`;
      }
      if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) {
        return `Each /-separated part of a blob key must be at most ${MAX_SEGMENT_BYTES} bytes`;
      }
    }
    if (!isInside(this.pathOf(key), this.directory)) return "A blob key must stay in the directory";
    return undefined;
  }

  protected override async setup(): Promise<void> {
    await mkdir(this.directory, { recursive: true });
  }

  protected override async openBlob(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    return openReadStream(this.pathOf(key));
  }

  protected override async readBytes(key: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  protected override async writeBlob(
    key: string,
    chunks: AsyncIterable<Uint8Array>,
    _options: BlobWriteOptions,
  ): Promise<void> {
    await this.prepareWrite(key);
    await replaceAtomically(this.pathOf(key), (temporary) =>
      writeChunks(temporary, chunks, this.fsync),
    );
  }

  protected override async writeBytes(
    key: string,
    bytes: Uint8Array,
    _options: BlobWriteOptions,
  ): Promise<void> {
    await this.prepareWrite(key);
    await replaceAtomically(this.pathOf(key), (temporary) =>
      writeNewFile(temporary, bytes, this.fsync),
    );
  }

  protected override async writeFromFile(
    key: string,
    path: string,
    options: FileWriteOptions,
  ): Promise<void> {
    await checkSourceFile(path, key);
    await this.prepareWrite(key);
    const target = this.pathOf(key);
    if (options.move && !this.fsync) {
      try {
        await replaceAtomically(target, (temporary) => rename(path, temporary));
        return;
      } catch (error) {
        if (errorCode(error) !== "EXDEV") throw error;
      }
    }
    await replaceAtomically(target, (temporary) => copyFile(path, temporary));
    if (options.move) await unlinkFile(path);
  }

  protected override async readToFile(key: string, path: string): Promise<boolean> {
    try {
      await copyFile(this.pathOf(key), path);
      return true;
    } catch (error) {
      if (isMissing(error) && !(await this.hasBlob(key))) return false;
      throw error;
    }
  }

  protected override async hasBlob(key: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(key))).isFile();
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  protected override async deleteBlob(key: string): Promise<boolean> {
    const path = this.pathOf(key);
    const removed = await unlinkFile(path);
    if (removed && key.includes("/")) await removeEmptyParents(path, this.directory);
    return removed;
  }

  protected override listKeys(prefix: string): AsyncIterable<string> {
    const cut = prefix.lastIndexOf("/") + 1;
    return this.#walk(prefix.slice(0, cut), prefix.slice(cut));
  }

  protected override async *listPrefixes(prefix: string, delimiter: string): AsyncIterable<string> {
    if (delimiter !== "/") {
      yield* super.listPrefixes(prefix, delimiter);
      return;
    }
    const cut = prefix.lastIndexOf("/") + 1;
    const base = prefix.slice(0, cut);
    for await (const [name, isDirectory] of this.#entries(base, prefix.slice(cut))) {
      if (!isDirectory) yield base + name;
      else if (await firstOf(this.#walk(`${base}${name}/`, ""))) yield `${base}${name}/`;
    }
  }

  protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
    const code = errorCode(error);
    if (code !== undefined && conflictCodes.has(code) && context.operation === "put") {
      return new InvalidBlobKeyError({
        ...context,
        cause: error,
        message: "The key's path is taken: a blob key cannot also be a directory of other keys",
      });
    }
    return toFileStoreError(error, context);
  }

  /** Yields the keys under the key directory `base` whose next segment starts with `start`. */
  async *#walk(base: string, start: string): AsyncGenerator<string, void, undefined> {
    for await (const [name, isDirectory] of this.#entries(base, start)) {
      if (isDirectory) yield* this.#walk(`${base}${name}/`, "");
      else yield base + name;
    }
  }

  /** The files and directories of the key directory `base` whose names start with `start`. */
  async *#entries(
    base: string,
    start: string,
  ): AsyncGenerator<[name: string, isDirectory: boolean], void, undefined> {
    let directory: Awaited<ReturnType<typeof opendir>>;
    try {
      directory = await opendir(join(this.directory, ...base.split("/")), { bufferSize: 64 });
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    for await (const entry of directory) {
      if (!entry.name.startsWith(start) || entry.name.startsWith(TEMPORARY_PREFIX)) continue;
      if (entry.isFile()) yield [entry.name, false];
      else if (entry.isDirectory()) yield [entry.name, true];
    }
  }
}

async function checkSourceFile(path: string, key: string): Promise<void> {
  try {
    if ((await stat(path)).isFile()) return;
  } catch (error) {
    throw new BlobSourceError({ operation: "put", key, cause: error, message: messageOf(error) });
  }
  throw new BlobSourceError({ operation: "put", key, message: `${path} is not a file` });
}

async function firstOf<T>(source: AsyncIterable<T>): Promise<boolean> {
  for await (const _item of source) return true;
  return false;
}
