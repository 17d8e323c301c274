import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subject, Suite } from "../types.ts";

/**
 * A suite whose subjects keep their files below one new temporary directory: `subjects` gets its
 * path, and the suite's `cleanup` removes it.
 */
export function temporarySuite(
  suite: Omit<Suite, "subjects" | "cleanup">,
  subjects: (root: string) => readonly Subject[],
): Suite {
  const root = mkdtempSync(join(tmpdir(), `kv-bench-${suite.id}-`));
  return {
    ...suite,
    cleanup: async () => rmSync(root, { recursive: true, force: true }),
    subjects: subjects(root),
  };
}
