import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { GiB, measureStreamThrough } from "./streams.ts";

/**
 * Registers one test: the blob store that `script` opens (a file calling
 * `streamThroughAndReport` from `@kv/conformance/streams`) streams 1 GiB in and out in a Node
 * process of its own, in a new temporary directory; every byte must come back and that
 * process's peak RSS must stay under 200 MB. `afterwards` then checks what the store left in the
 * directory, before it is removed.
 */
export function testStreamThrough(
  storeName: string,
  script: URL,
  afterwards: (directory: string) => Promise<void> = async () => {},
): void {
  it(`streams 1 GiB in and out of ${storeName} with the process's peak RSS under 200 MB`, {
    timeout: 600_000,
  }, async () => {
    const directory = await mkdtemp(join(tmpdir(), "kv-stream-through-"));
    try {
      const result = await measureStreamThrough(script, directory, GiB);
      console.log(
        `1 GiB through ${storeName}: peak RSS ${(result.maxRssBytes / 1e6).toFixed(1)} MB`,
      );
      expect(result.read.bytes).toBe(GiB);
      expect(result.read.sha256).toBe(result.written.sha256);
      expect(result.maxRssBytes).toBeLessThan(200_000_000);
      await afterwards(directory);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
}
