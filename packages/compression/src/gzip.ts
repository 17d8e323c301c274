import type * as Zlib from "node:zlib";

/**
 * Inputs from this size on are (de)compressed on zlib's thread pool rather than the calling
 * thread: below it the pool's round trip costs more than the work (see the README's numbers).
 */
const asyncCompressBytes = 64 * 1024;
const asyncDecompressBytes = 16 * 1024;

let zlib: typeof Zlib | null | undefined;

/**
 * `node:zlib` where the runtime has it (Node, Bun, Deno), looked up on first use so that the
 * module loads anywhere; `null` elsewhere (browsers, Workers), where the Web streams are used.
 */
function nodeZlib(): typeof Zlib | null {
  if (zlib === undefined) {
    const runtime = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } };
    zlib = (runtime.process?.getBuiltinModule?.("node:zlib") as typeof Zlib | undefined) ?? null;
  }
  return zlib;
}

/**
 * Gzips bytes: with `node:zlib` at `level` (on its thread pool when they are large), else with
 * the Web `CompressionStream`, whose level is the runtime's own.
 */
export function compress(bytes: Uint8Array, level: number): Uint8Array | Promise<Uint8Array> {
  const node = nodeZlib();
  if (node === null) return throughStream(bytes, new CompressionStream("gzip"));
  if (bytes.length < asyncCompressBytes) return node.gzipSync(bytes, { level });
  return new Promise((resolve, reject) => {
    node.gzip(bytes, { level }, (error, result) =>
      error === null ? resolve(result) : reject(error),
    );
  });
}

/** Gunzips bytes: with `node:zlib` (on its thread pool when they are large), else the Web streams. */
export function decompress(bytes: Uint8Array): Uint8Array | Promise<Uint8Array> {
  const node = nodeZlib();
  if (node === null) return throughStream(bytes, new DecompressionStream("gzip"));
  if (bytes.length < asyncDecompressBytes) return node.gunzipSync(bytes);
  return new Promise((resolve, reject) => {
    node.gunzip(bytes, (error, result) => (error === null ? resolve(result) : reject(error)));
  });
}

async function throughStream(
  bytes: Uint8Array,
  transform: CompressionStream | DecompressionStream,
): Promise<Uint8Array> {
  const output = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(transform);
  return new Uint8Array(await new Response(output).arrayBuffer());
}
