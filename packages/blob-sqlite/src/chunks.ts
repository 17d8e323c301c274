/**
 * Regroups a byte stream into chunks of exactly `size` bytes (the last one shorter), holding at
 * most one chunk being filled. Chunks are filled in `buffers` buffers taken in turn, so a chunk
 * stays as it was only until `buffers` more have been yielded: the caller copies or writes each
 * chunk before then (better-sqlite3 copies what it binds).
 */
export async function* rechunk(
  chunks: AsyncIterable<Uint8Array>,
  size: number,
  buffers: number,
): AsyncGenerator<Buffer, void, undefined> {
  const pool: Buffer[] = [];
  let turn = 0;
  const next = () => {
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
