import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { requireService } from "../../../scripts/services/require-service.ts";
import { redisUrl } from "./servers.ts";

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const root = dirname(dirname(packageDir));

/** The newest modification time of the files a build reads. */
function newestSource(): number {
  const files = [
    join(packageDir, "package.json"),
    join(packageDir, "tsdown.config.ts"),
    ...readdirSync(join(packageDir, "src"), { recursive: true }).map((file) =>
      join(packageDir, "src", String(file)),
    ),
  ];
  return Math.max(...files.map((file) => statSync(file).mtimeMs));
}

/** The workspace packages `kv` imports at run time, whose `dist` it needs. */
function runtimeDependencies(): string[] {
  const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
    optionalDependencies: Record<string, string>;
  };
  return Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })
    .filter((name) => name.startsWith("@kv/"))
    .map((name) => join(root, "packages", name.slice("@kv/".length)));
}

/**
 * Builds the `kv` binary the tests run (and, when missing, the packages it imports), unless the
 * build is newer than the sources; turbo builds them first in CI (`@kv/cli#test` depends on `build`).
 */
export default async (): Promise<void> => {
  await requireService("redis", redisUrl());
  const unbuilt = runtimeDependencies().filter((dir) => !existsSync(join(dir, "dist")));
  if (unbuilt.length > 0) {
    execFileSync(
      "pnpm",
      ["exec", "turbo", "run", "build", "--filter=@kv/cli^...", "--concurrency=2"],
      {
        cwd: root,
        stdio: "inherit",
        env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
      },
    );
  }
  const binary = join(packageDir, "dist", "cli.mjs");
  if (!existsSync(binary) || statSync(binary).mtimeMs < newestSource()) {
    execFileSync("pnpm", ["--filter", "@kv/cli", "build"], { cwd: root, stdio: "inherit" });
  }
};
