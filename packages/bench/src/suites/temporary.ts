import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A new temporary directory for the suite `id`, and the suite's `cleanup` that removes it. */
export function temporaryRoot(id: string): { root: string; cleanup: () => Promise<void> } {
  const root = mkdtempSync(join(tmpdir(), `kv-bench-${id}-`));
  return { root, cleanup: async () => rmSync(root, { recursive: true, force: true }) };
}
