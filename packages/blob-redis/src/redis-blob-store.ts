import { randomBytes } from "node:crypto";
import { stat } from "node:fs/promises";
import {
  BaseBlobStore,
  type BlobTtl,
  type BlobWriteOptions,
  EXTENDED_KEY_REGEXP,
  type FileWriteOptions,
  rechunk,
} from "@kv/blob";
import {
  type ErrorContext,
  hasNetworkErrorCode,
  type KeyValueError,
  messageOf,
  StoreConnectionError,
  StoreError,
  toStoreError,
} from "@kv/protocol";
import { Redis } from "ioredis";
import { BlobTooLargeError } from "./errors.ts";
import { type RedisBlobSettings, type RedisBlobStoreOptions, resolveOptions } from "./options.ts";
import { deleteScript, installScript, readScript, runScript } from "./scripts.ts";

/** The limit of a server that does not say its own (Redis's default `proto-max-bulk-len`). */
const DEFAULT_LIMIT = 512 * 1024 * 1024;
/** Blobs of up to this many chunks are written by one script call. */
const WHOLE_CHUNKS = 2;
/** Keys asked for per SCAN call. */
const SCAN_COUNT = 1000;

type ReadReply = [generation: Buffer, size: Buffer, chunks?: Buffer[]] | null;

/**
 * Blobs in Redis (ioredis), under `<namespace>:`: a hash `<namespace>:k:<key>` names the
 * generation holding the bytes, a list of chunks `<namespace>:d:<generation>`. A `put` pushes its
 * chunks into a new generation one at a time (bounded memory), then one Lua script points the key
 * at it, so readers see the old blob or the new one whole. The chunks replaced stay `readGraceMs`
 * for streams still reading them. TTL by `PEXPIRE`; blobs up to the server's `proto-max-bulk-len`.
 */
export class RedisBlobStore extends BaseBlobStore implements BlobTtl {
  /** `put` accepts `ttl`; Redis expires the blob itself. */
  readonly ttlSupport = true as const;
  /** Every Redis key of the store starts with this namespace and `:`. */
  readonly namespace: string;
  readonly #settings: RedisBlobSettings;
  readonly #client: Redis;
  readonly #owned: boolean;
  #limit = DEFAULT_LIMIT;

  /** @throws TypeError or RangeError for options it cannot use (see `RedisBlobStoreOptions`) */
  constructor(options: RedisBlobStoreOptions) {
    super({ keyPattern: options.keyPattern ?? EXTENDED_KEY_REGEXP });
    this.#settings = resolveOptions(options);
    this.namespace = this.#settings.namespace;
    this.#owned = options.client === undefined;
    this.#client =
      options.client ??
      new Redis(options.url ?? "", { lazyConnect: true, maxRetriesPerRequest: 1 });
    if (this.#owned) this.#client.on("error", () => {});
  }

  /** The most bytes a blob may have (known once the store has connected). */
  get maxBytes(): number {
    return this.#limit;
  }

  protected override async setup(): Promise<void> {
    if (this.#owned && this.#client.status === "wait") await this.#client.connect();
    this.#limit = this.#settings.maxBytes ?? (await this.#serverLimit());
  }

  protected override async openBlob(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const found = await this.#find(key);
    if (found === undefined) return undefined;
    if (found.chunks !== undefined) return listOf(found.chunks);
    return this.#stream(key, found.generation, found.size);
  }

  protected override async readBytes(key: string): Promise<Uint8Array | undefined> {
    const found = await this.#find(key);
    if (found === undefined) return undefined;
    if (found.chunks !== undefined) return Buffer.concat(found.chunks);
    const bytes = Buffer.allocUnsafe(found.size);
    let offset = 0;
    for await (const chunk of this.#stream(key, found.generation, found.size)) {
      bytes.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return bytes;
  }

  protected override async hasBlob(key: string): Promise<boolean> {
    return (await this.#client.exists(this.#metaKey(key))) === 1;
  }

  protected override async writeBytes(
    key: string,
    bytes: Uint8Array,
    options: BlobWriteOptions,
  ): Promise<void> {
    this.#checkSize(key, bytes.byteLength);
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < bytes.byteLength; offset += this.#settings.chunkBytes) {
      chunks.push(Buffer.from(bytes.subarray(offset, offset + this.#settings.chunkBytes)));
    }
    if (chunks.length <= WHOLE_CHUNKS)
      return this.#install(key, newGeneration(), chunks, 0, options);
    return this.writeBlob(key, listOf(chunks), options);
  }

  protected override async writeFromFile(
    key: string,
    path: string,
    options: FileWriteOptions,
  ): Promise<void> {
    const size = await stat(path).then(
      (found) => found.size,
      () => undefined,
    );
    if (size !== undefined) this.#checkSize(key, size);
    await super.writeFromFile(key, path, options);
  }

  protected override async writeBlob(
    key: string,
    chunks: AsyncIterable<Uint8Array>,
    options: BlobWriteOptions,
  ): Promise<void> {
    const pieces = rechunk(chunks, this.#settings.chunkBytes);
    const generation = newGeneration();
    const head: Buffer[] = [];
    let size = 0;
    for (let next = await pieces.next(); next.done !== true; ) {
      head.push(next.value);
      size += next.value.byteLength;
      this.#checkSize(key, size);
      if (head.length > WHOLE_CHUNKS) break;
      next = await pieces.next();
    }
    if (head.length <= WHOLE_CHUNKS) return this.#install(key, generation, head, 0, options);
    const data = this.#dataKey(generation);
    let count = 0;
    try {
      for (const chunk of head.splice(0)) count = await this.#push(data, chunk);
      for await (const chunk of pieces) {
        size += chunk.byteLength;
        this.#checkSize(key, size);
        count = await this.#push(data, chunk);
      }
      await this.#install(key, generation, [], count, options, size);
    } catch (error) {
      await this.#client.unlink(data).catch(() => undefined);
      throw error;
    }
  }

  protected override async deleteBlob(key: string): Promise<boolean> {
    const { readGraceMs } = this.#settings;
    const deleted = await runScript<number>(
      this.#client,
      deleteScript,
      [this.#metaKey(key)],
      [readGraceMs, this.#dataKey("")],
    );
    return deleted === 1;
  }

  protected override async *listKeys(prefix: string): AsyncIterable<string> {
    const meta = this.#metaKey("");
    const match = `${escapeGlob(meta + prefix)}*`;
    let cursor = "0";
    do {
      const [next, names] = await this.#client.scan(cursor, "MATCH", match, "COUNT", SCAN_COUNT);
      cursor = next;
      for (const name of names) yield name.slice(meta.length);
    } while (cursor !== "0");
  }

  protected override mapError(error: unknown, context: ErrorContext): KeyValueError {
    if (error instanceof Error && isConnectionError(error)) {
      return new StoreConnectionError({ ...context, cause: error, message: messageOf(error) });
    }
    return toStoreError(error, context);
  }

  /** Ends the connection the store made; a borrowed client stays open. */
  protected override async release(): Promise<void> {
    if (!this.#owned) return;
    if (this.#client.status === "wait") this.#client.disconnect();
    else await this.#client.quit().catch(() => this.#client.disconnect());
  }

  #metaKey(key: string): string {
    return `${this.namespace}:k:${key}`;
  }

  #dataKey(generation: string): string {
    return `${this.namespace}:d:${generation}`;
  }

  /** @throws BlobTooLargeError above the limit */
  #checkSize(key: string, size: number): void {
    if (size > this.#limit) {
      throw new BlobTooLargeError({ operation: "put", key, maxBytes: this.#limit });
    }
  }

  /** Appends a chunk to a generation being written, renewing its expiry; returns its length. */
  async #push(data: string, chunk: Buffer): Promise<number> {
    const replies = await this.#client
      .multi()
      .rpush(data, chunk)
      .pexpire(data, this.#settings.staleWriteMs)
      .exec();
    const [pushed] = replies ?? [];
    if (pushed === undefined || pushed[0] !== null) throw pushed?.[0] ?? new Error("RPUSH failed");
    return pushed[1] as number;
  }

  async #install(
    key: string,
    generation: string,
    chunks: readonly Buffer[],
    expected: number,
    options: BlobWriteOptions,
    size: number = chunks.reduce((total, chunk) => total + chunk.byteLength, 0),
  ): Promise<void> {
    const ttlMs = options.ttl === undefined ? 0 : Math.max(1, Math.ceil(options.ttl * 1000));
    try {
      await runScript(
        this.#client,
        installScript,
        [this.#metaKey(key), this.#dataKey(generation)],
        [
          generation,
          size,
          Date.now(),
          ttlMs,
          this.#settings.readGraceMs,
          this.#dataKey(""),
          expected,
          ...chunks,
        ],
      );
    } catch (error) {
      if (error instanceof Error && error.message.startsWith("ABANDONED")) {
        throw new StoreError({ operation: "put", key, cause: error, message: error.message });
      }
      throw error;
    }
  }

  async #find(
    key: string,
  ): Promise<{ generation: string; size: number; chunks: Buffer[] | undefined } | undefined> {
    const reply = await runScript<ReadReply>(
      this.#client,
      readScript,
      [this.#metaKey(key)],
      [this.#dataKey(""), WHOLE_CHUNKS * this.#settings.chunkBytes],
      true,
    );
    if (reply === null) return undefined;
    const [generation, size, chunks] = reply;
    const bytes = Number(size.toString());
    return { generation: generation.toString(), size: bytes, chunks: bytes === 0 ? [] : chunks };
  }

  /**
   * Reads a generation chunk by chunk.
   * @throws StoreError when its chunks are gone before the end (the blob was replaced or deleted
   * more than `readGraceMs` ago)
   */
  async *#stream(key: string, generation: string, size: number): AsyncGenerator<Uint8Array> {
    const data = this.#dataKey(generation);
    let read = 0;
    for (let index = 0; read < size; index++) {
      const chunk = await this.#client.lindexBuffer(data, index);
      if (chunk === null) {
        throw new StoreError({
          operation: "get",
          key,
          message: "The blob was replaced or deleted longer than readGraceMs ago while it was read",
        });
      }
      read += chunk.byteLength;
      yield chunk;
    }
  }

  async #serverLimit(): Promise<number> {
    try {
      const [, value] = (await this.#client.config("GET", "proto-max-bulk-len")) as string[];
      const limit = Number(value);
      return Number.isSafeInteger(limit) && limit > 0 ? limit : DEFAULT_LIMIT;
    } catch {
      return DEFAULT_LIMIT;
    }
  }
}

function newGeneration(): string {
  return randomBytes(12).toString("base64url");
}

async function* listOf(chunks: readonly Buffer[]): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

/** A pattern for `SCAN MATCH` matching exactly this text. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}

/** The server could not be reached or is not ready (loading, busy, read-only replica). */
function isConnectionError(error: Error): boolean {
  if (hasNetworkErrorCode(error)) return true;
  if (error.name === "MaxRetriesPerRequestError") return true;
  return /^(LOADING|BUSY|READONLY|MASTERDOWN)\b|Connection is closed|Stream isn't writeable/.test(
    error.message,
  );
}
