import { defineConfig, mergeConfig } from "vitest/config";
import { awsSdkTestEnv, sharedConfig } from "../../vitest.shared.ts";

export default mergeConfig(
  sharedConfig,
  defineConfig({ test: { globalSetup: ["test/global-setup.ts"], env: awsSdkTestEnv } }),
);
