// Node-only helpers for streaming tests: generated payloads, digests, memory measurement, and a
// stream-through run in a process of its own. Nothing here imports vitest, so a child process
// started outside the test runner can load it (`@kv/conformance/streams`).
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { dirname } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { BlobStore } from "@kv/blob";

/** One mebibyte. */
export const MiB: number = 1024 * 1024;

/** One gibibyte. */
export const GiB: number = 1024 * MiB;

/**
 * Deterministic bytes of any length (a cheap pattern that differs by `seed` and by position), so
 * a payload can be checked without keeping a copy.
 */
export function patternBytes(length: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = (seed * 2654435761) >>> 0 || 1;
  for (let index = 0; index < length; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[index] = state & 0xff;
  }
  return bytes;
}

/** What a generated stream wrote: its length and SHA-256. */
export interface StreamDigest {
  bytes: number;
  sha256: string;
}

/**
 * Yields `total` bytes in fresh chunks of `chunkBytes` (each filled with a pattern of its index,
 * never reused, so a store may keep references), hashing them into `digest` as it goes and
 * calling `onChunk` after each.
 */
export async function* generatedChunks(
  total: number,
  digest: StreamDigest,
  onChunk: () => void = () => {},
  chunkBytes: number = MiB,
): AsyncGenerator<Uint8Array> {
  const hash = createHash("sha256");
  let sent = 0;
  for (let index = 0; sent < total; index++) {
    const size = Math.min(chunkBytes, total - sent);
    const chunk = Buffer.allocUnsafe(size).fill(`${index}:chunk-pattern;`);
    hash.update(chunk);
    sent += size;
    yield chunk;
    onChunk();
  }
  digest.bytes = sent;
  digest.sha256 = hash.digest("hex");
}

/** Yields copies of `payload` in slices of `size` bytes, pausing 1 ms before each, so that
 * concurrent writers interleave. */
export async function* slowChunks(payload: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < payload.byteLength; offset += size) {
    await delay(1);
    yield payload.slice(offset, offset + size);
  }
}

/**
 * Opens a stream of `key` on `reading` and takes its first chunk, then has `writing` replace the
 * blob with `replacement` and delete it, and reads the stream to its end; resolves to every byte
 * the stream gave (the old blob whole, for a store that keeps it for readers already streaming).
 * @throws what the stream throws
 */
export async function readAcrossReplacement(
  reading: BlobStore,
  writing: BlobStore,
  key: string,
  replacement: Uint8Array,
): Promise<Buffer> {
  const stream = (await reading.open(key))[Symbol.asyncIterator]();
  const parts = [(await stream.next()).value as Buffer];
  await writing.put(key, replacement);
  await writing.delete(key);
  for (let next = await stream.next(); next.done !== true; next = await stream.next()) {
    parts.push(next.value as Buffer);
  }
  return Buffer.concat(parts);
}

/** Consumes a byte stream, returning its length and SHA-256; `onChunk` runs after each chunk. */
export async function digestOf(
  chunks: AsyncIterable<Uint8Array | string>,
  onChunk: () => void = () => {},
): Promise<StreamDigest> {
  const hash = createHash("sha256");
  let bytes = 0;
  for await (const chunk of chunks) {
    const data = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    hash.update(data);
    bytes += data.byteLength;
    onChunk();
  }
  return { bytes, sha256: hash.digest("hex") };
}

let collectGarbage: (() => void) | undefined | null = null;

/** V8's `gc()`, exposed on demand, or `undefined` where that is not allowed. */
function garbageCollector(): (() => void) | undefined {
  if (collectGarbage === null) {
    try {
      setFlagsFromString("--expose-gc");
      collectGarbage = runInNewContext("gc") as () => void;
    } catch {
      collectGarbage = undefined;
    }
  }
  return collectGarbage;
}

/**
 * Measures how far the memory held by the process (V8 heap plus buffers outside it) rises above
 * where it started while `run` streams: `sample()` collects garbage (every `every` calls) and
 * records the live memory, so the result is what the code keeps, not what it has dropped.
 */
export class MemoryWatch {
  readonly #gc = garbageCollector();
  readonly #every: number;
  #calls = 0;
  #baseline = 0;
  #peak = 0;

  constructor(every = 16) {
    this.#every = every;
    this.#gc?.();
    this.#baseline = liveBytes();
  }

  /** Records the live memory now (after collecting garbage) on every `every`-th call. */
  readonly sample = (): void => {
    if (++this.#calls % this.#every !== 0) return;
    this.#gc?.();
    this.#peak = Math.max(this.#peak, liveBytes() - this.#baseline);
  };

  /** The largest rise above the baseline seen so far, in bytes. */
  get growth(): number {
    return this.#peak;
  }
}

function liveBytes(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external;
}

/** What a stream-through run measured in its own process. */
export interface StreamThroughResult {
  /** The generated stream that was put. */
  written: StreamDigest;
  /** The stream `open` gave back. */
  read: StreamDigest;
  /** The peak resident set size of the process, in bytes. */
  maxRssBytes: number;
}

/** The key a stream-through run writes. */
export const streamThroughKey = "large/blob.bin";

/**
 * The child-process half of `measureStreamThrough`: opens a blob store with `open` in the
 * directory named by the first command-line argument, puts as many generated bytes as the second
 * names under `streamThroughKey` and reads them back, runs `afterwards`, closes the store, and
 * prints the `StreamThroughResult` as JSON on stdout.
 * @throws what the store throws
 */
export async function streamThroughAndReport(
  open: (directory: string) => BlobStore,
  afterwards: (store: BlobStore, key: string) => Promise<unknown> = async () => {},
): Promise<void> {
  const [directory = "", size = "0"] = process.argv.slice(2);
  const store = open(directory);
  const written: StreamDigest = { bytes: 0, sha256: "" };
  await store.put(streamThroughKey, generatedChunks(Number(size), written));
  const read = await digestOf(await store.open(streamThroughKey));
  await afterwards(store, streamThroughKey);
  await store.close();
  const result: StreamThroughResult = {
    written,
    read,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
  console.log(JSON.stringify(result));
}

/**
 * Runs `script` (a TypeScript file that calls `streamThroughAndReport`) in a Node process of its
 * own, so that its peak RSS is the streaming's and not the test runner's, with `directory` and
 * `bytes` as its arguments; resolves to what it measured. The process loads TypeScript with
 * `tsx`, which must be installed where the script lives.
 * @throws when the process fails
 */
export async function measureStreamThrough(
  script: URL,
  directory: string,
  bytes: number,
): Promise<StreamThroughResult> {
  const path = fileURLToPath(script);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--conditions=@kv/source", "--import", "tsx", path, directory, String(bytes)],
    { cwd: dirname(path) },
  );
  return JSON.parse(stdout) as StreamThroughResult;
}
