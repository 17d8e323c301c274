import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

/**
 * Makes a temporary directory for the calling test file, removed after its tests (call it at the
 * top level of the file), and returns a maker of fresh paths inside it (not yet created).
 */
export function temporaryPaths(prefix: string): () => string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let count = 0;
  return () => join(root, `case-${++count}`);
}
