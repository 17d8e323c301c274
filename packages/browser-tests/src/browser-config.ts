import { existsSync } from "node:fs";
import { playwright } from "@vitest/browser-playwright";
import { defineConfig, type ViteUserConfig } from "vitest/config";
import { stubNodeBuiltins } from "./node-stubs.ts";

/** Debian's Chromium; nothing downloads a browser at run time. */
const chromiumPath = process.env.KV_CHROMIUM_PATH ?? "/usr/bin/chromium";

/** The flags headless Chromium runs with on a machine without a display or outside network. */
export const chromiumFlags: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/**
 * The vitest configuration that runs a package's tests in headless Chromium through Playwright,
 * with Node built-ins stubbed. Throws when Chromium is not installed (a run never skips).
 */
export function browserTestConfig(): ViteUserConfig {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium not found at ${chromiumPath}: apt-get install chromium`);
  }
  return defineConfig({
    plugins: [stubNodeBuiltins()],
    optimizeDeps: { exclude: ["@kv/conformance"] },
    test: {
      browser: {
        enabled: true,
        headless: true,
        screenshotFailures: false,
        provider: playwright({
          launchOptions: { executablePath: chromiumPath, args: [...chromiumFlags] },
        }),
        instances: [{ browser: "chromium" }],
      },
    },
  });
}
