import { fileURLToPath } from "node:url";
import { defineConfig, mergeConfig } from "vitest/config";
import { sharedConfig } from "../../vitest.shared.ts";
import { browserTestConfig } from "./src/browser-config.ts";

const zodStores = fileURLToPath(new URL("../zod/test/stores.ts", import.meta.url));
const browserZodStores = fileURLToPath(new URL("test/zod-stores.ts", import.meta.url));
const makingFixture = process.env.KV_MAKE_FIXTURE === "1";

export default mergeConfig(
  mergeConfig(sharedConfig, browserTestConfig()),
  defineConfig({
    optimizeDeps: { include: ["zod", "zod/mini", "zod/v4/core"] },
    plugins: [
      {
        name: "kv-browser-zod-stores",
        enforce: "pre",
        async resolveId(id, importer, options) {
          const resolved = await this.resolve(id, importer, { ...options, skipSelf: true });
          return resolved?.id === zodStores ? browserZodStores : null;
        },
      },
    ],
    test: {
      projects: [
        {
          extends: true,
          test: {
            name: "chromium",
            include: makingFixture ? ["test/fixtures/make-browser-fixture.ts"] : ["test/*.test.ts"],
          },
        },
        {
          extends: true,
          test: {
            name: "node",
            include: makingFixture ? [] : ["test/node/*.test.ts"],
            browser: { enabled: false },
          },
        },
      ],
    },
  }),
);
