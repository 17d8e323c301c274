import { defineConfig } from "vitest/config";

/** The test setup every package shares: sibling packages resolve to their TypeScript source. */
export const sharedConfig = defineConfig({
  resolve: { conditions: ["@kv/source"] },
  ssr: { resolve: { conditions: ["@kv/source"] } },
  test: {
    testTimeout: 30_000,
    fileParallelism: false,
    reporters: ["default", "json"],
    outputFile: { json: ".test-results/results.json" },
    hookTimeout: 60_000,
  },
});
