import { createHash } from "node:crypto";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** One mebibyte. */
export const MiB: number = 1024 * 1024;

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
