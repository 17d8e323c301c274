import { fileURLToPath } from "node:url";
import { defineConfig, mergeConfig } from "vitest/config";
import { sharedConfig } from "../../vitest.shared.ts";
import { browserTestConfig } from "./src/browser-config.ts";

const zodStores = fileURLToPath(new URL("../zod/test/stores.ts", import.meta.url));
const browserZodStores = fileURLToPath(new URL("test/zod-stores.ts", import.meta.url));

export default mergeConfig(
  mergeConfig(sharedConfig, browserTestConfig()),
  defineConfig({
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
  }),
);
