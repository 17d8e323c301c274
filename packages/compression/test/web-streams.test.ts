import { gunzipSync, gzipSync } from "node:zlib";
import { afterEach, describe, expect, it, vi } from "vitest";

/** The gzip module as it loads in a runtime without `node:zlib` (browsers, Workers). */
async function gzipWithoutNodeZlib(): Promise<typeof import("../src/gzip.ts")> {
  vi.resetModules();
  vi.stubGlobal("process", { ...process, getBuiltinModule: () => undefined });
  return import("../src/gzip.ts");
}

describe("gzip where the runtime has no node:zlib (the Web CompressionStream)", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  it("writes gzip that node:zlib reads back", async () => {
    const { compress } = await gzipWithoutNodeZlib();
    const json = new TextEncoder().encode(JSON.stringify({ text: "x".repeat(5000) }));
    const pending = compress(json, 1);
    expect(pending).toBeInstanceOf(Promise);
    const compressed = await pending;
    expect(compressed.length).toBeLessThan(json.length);
    expect(gunzipSync(compressed).equals(Buffer.from(json))).toBe(true);
  });

  it("reads gzip that node:zlib wrote", async () => {
    const { decompress } = await gzipWithoutNodeZlib();
    const written = gzipSync(Buffer.from('{"a":1}'), { level: 1 });
    expect(new TextDecoder().decode(await decompress(written))).toBe('{"a":1}');
  });

  it("rejects data that is not gzip", async () => {
    const { decompress } = await gzipWithoutNodeZlib();
    await expect(decompress(new Uint8Array([1, 2, 3, 4]))).rejects.toThrow();
  });
});
