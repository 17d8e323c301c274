import { Blob } from "node:buffer";
import { Readable } from "node:stream";
import type { ReadableStream } from "node:stream/web";
import { KeyValueError, type KeyValueErrorOptions, SerializationError } from "@kv/protocol";
import type { BlobData } from "./blob-store.ts";
import { BlobSourceError } from "./errors.ts";

type Context = Omit<KeyValueErrorOptions, "message" | "cause">;

/** Data to store, normalised: whole bytes in memory, or a stream of byte chunks read once. */
export type BlobSource =
  | { readonly bytes: Uint8Array; readonly chunks?: undefined }
  | { readonly bytes?: undefined; readonly chunks: AsyncIterable<Uint8Array> };

const encoder = new TextEncoder();

/**
 * Normalises every kind of `BlobData` without reading any stream: bytes and strings become
 * `bytes`, streams and iterables become one async iterable of `Uint8Array` chunks whose failures
 * arrive as `BlobSourceError` (the source's error as `cause`) and whose chunks of another kind
 * arrive as `SerializationError`.
 * @throws SerializationError when `data` is none of the accepted kinds
 */
export function toBlobSource(data: BlobData, context: Context = {}): BlobSource {
  if (data instanceof Uint8Array) return { bytes: data };
  if (typeof data === "string") return { bytes: encoder.encode(data) };
  if (data instanceof ArrayBuffer) return { bytes: new Uint8Array(data) };
  if (data instanceof Blob) return { chunks: checkedChunks(webChunks(data.stream()), context) };
  if (isWebStream(data)) return { chunks: checkedChunks(webChunks(data), context) };
  if (isIterable(data, Symbol.asyncIterator) || isIterable(data, Symbol.iterator)) {
    // A Node stream that fails before the store starts reading it keeps its error for the
    // iterator to throw, instead of emitting it with no listener (which ends the process).
    if (typeof (data as { on?: unknown }).on === "function") {
      (data as { on(event: "error", listener: () => void): unknown }).on("error", ignore);
    }
    return { chunks: checkedChunks(data as AsyncIterable<unknown>, context) };
  }
  throw new SerializationError({
    ...context,
    message: `Blob data must be bytes, a string, a Readable, a ReadableStream or an (async) iterable of chunks, got ${describe(data)}`,
  });
}

function ignore(): void {}

/** Reads a whole byte stream into one `Uint8Array`. */
export async function collectBytes(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of chunks) {
    parts.push(chunk);
    length += chunk.byteLength;
  }
  if (parts.length === 1 && parts[0] !== undefined) return parts[0];
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return bytes;
}

/** A byte stream that yields `bytes` once (in one chunk), for code paths that take streams. */
export async function* singleChunk(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** A Node byte stream (not object mode) over chunks, read on demand. */
export function toReadable(chunks: AsyncIterable<Uint8Array>): Readable {
  if (chunks instanceof Readable) return chunks;
  return Readable.from(chunks, { objectMode: false });
}

async function* checkedChunks(
  source: AsyncIterable<unknown> | Iterable<unknown>,
  context: Context,
): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of source) {
      if (chunk instanceof Uint8Array) yield chunk;
      else if (typeof chunk === "string") yield encoder.encode(chunk);
      else if (chunk instanceof ArrayBuffer) yield new Uint8Array(chunk);
      else {
        throw new SerializationError({
          ...context,
          message: `A blob chunk must be bytes or a string, got ${describe(chunk)}`,
        });
      }
    }
  } catch (error) {
    if (KeyValueError.isInstance(error)) throw error;
    throw new BlobSourceError({ ...context, cause: error });
  }
}

async function* webChunks(stream: ReadableStream<unknown>): AsyncGenerator<unknown> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

function isWebStream(data: unknown): data is ReadableStream<unknown> {
  return (
    typeof data === "object" &&
    data !== null &&
    !(data instanceof Readable) &&
    typeof (data as ReadableStream).getReader === "function"
  );
}

function isIterable(data: unknown, symbol: symbol): boolean {
  return (
    typeof data === "object" &&
    data !== null &&
    typeof (data as Record<symbol, unknown>)[symbol] === "function"
  );
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  return value.constructor?.name ?? "object";
}

/**
 * Regroups a byte stream into chunks of exactly `size` bytes (the last one shorter), holding at
 * most one chunk being filled. Without `buffers`, each chunk is a new buffer the caller may keep.
 * With it, chunks are filled in that many buffers taken in turn, so a chunk stays as it was only
 * until `buffers` more have been yielded: the caller copies or writes each one before then.
 */
export async function* rechunk(
  chunks: AsyncIterable<Uint8Array>,
  size: number,
  buffers?: number,
): AsyncGenerator<Buffer, void, undefined> {
  const pool: Buffer[] = [];
  let turn = 0;
  const next = (): Buffer => {
    if (buffers === undefined) return Buffer.allocUnsafe(size);
    const slot = turn++ % buffers;
    const buffer = pool[slot] ?? Buffer.allocUnsafe(size);
    pool[slot] = buffer;
    return buffer;
  };
  let buffer = next();
  let filled = 0;
  for await (const chunk of chunks) {
    let offset = 0;
    while (offset < chunk.byteLength) {
      const taken = Math.min(size - filled, chunk.byteLength - offset);
      buffer.set(chunk.subarray(offset, offset + taken), filled);
      filled += taken;
      offset += taken;
      if (filled === size) {
        yield buffer;
        buffer = next();
        filled = 0;
      }
    }
  }
  if (filled > 0) yield buffer.subarray(0, filled);
}
