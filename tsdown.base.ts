import type { UserConfig } from "tsdown";

/** The build every package shares: one ESM entry with declarations, for Node 20. */
export const baseConfig: UserConfig = {
  entry: ["src/index.ts"],
  format: "esm",
  dts: true,
  platform: "node",
  target: "node20",
  sourcemap: true,
  clean: true,
};
