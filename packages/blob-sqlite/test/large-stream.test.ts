import { execFile } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, beforeEach, expect, it } from "vitest";

const GiB = 1024 * 1024 * 1024;
const script = fileURLToPath(new URL("./fixtures/stream-through.ts", import.meta.url));
const packageRoot = fileURLToPath(new URL("..", import.meta.url));
let directory = "";

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "kv-blob-sqlite-1g-"));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

// A process of its own, so its peak RSS is the streaming's, not the test runner's.
it("streams 1 GiB in and out of SqliteBlobStore with the process's peak RSS under 200 MB", {
  timeout: 600_000,
}, async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--conditions=@kv/source", "--import", "tsx", script, directory, String(GiB)],
    { cwd: packageRoot },
  );
  const result = JSON.parse(stdout) as {
    written: string;
    read: string;
    readBytes: number;
    maxRssBytes: number;
  };
  console.log(
    `1 GiB through SqliteBlobStore: peak RSS ${(result.maxRssBytes / 1e6).toFixed(1)} MB`,
  );
  expect(result.readBytes).toBe(GiB);
  expect(result.read).toBe(result.written);
  expect(result.maxRssBytes).toBeLessThan(200_000_000);
  // Replacing it freed the chunk rows: the file's pages are free for reuse.
  expect((await stat(join(directory, "blobs.db"))).size).toBeGreaterThan(GiB);
});
