const poolSize = 8192;
let pool = new Uint8Array(0);
let offset = 0;

/**
 * Fresh random bytes (for nonces and IVs), cut from a pool filled by the CSPRNG 8 KB at a time:
 * one `getRandomValues` call per value costs more than the encryption of a small value. Each
 * byte is handed out once; an exhausted pool is replaced, never refilled in place.
 */
export function takeRandomBytes(length: number): Uint8Array<ArrayBuffer> {
  if (offset + length > pool.length) {
    pool = globalThis.crypto.getRandomValues(new Uint8Array(Math.max(poolSize, length)));
    offset = 0;
  }
  const bytes = pool.subarray(offset, offset + length);
  offset += length;
  return bytes;
}
