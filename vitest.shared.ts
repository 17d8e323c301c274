import { defineConfig } from "vitest/config";

/**
 * The test setup every package shares: sibling packages resolve to their TypeScript source, in
 * test files (the `ssr` environment) and in global setup files (Vitest's `__vitest__`
 * environment), so neither needs a build first.
 */
export const sharedConfig = defineConfig({
  resolve: { conditions: ["@kv/source"] },
  ssr: { resolve: { conditions: ["@kv/source"] } },
  environments: { __vitest__: { resolve: { conditions: ["@kv/source"] } } },
  test: {
    testTimeout: 30_000,
    fileParallelism: false,
    reporters: ["default", "json"],
    outputFile: { json: ".test-results/results.json" },
    hookTimeout: 60_000,
  },
});

/**
 * The `test.env` of a package whose tests load the AWS SDK v3 (a DynamoDB or S3 client): it keeps
 * the SDK from warning on every client that it will stop supporting this Node version.
 */
export const awsSdkTestEnv: Readonly<Record<string, string>> = {
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};
