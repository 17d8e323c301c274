// Preloaded by the bench's scripts (`node --import tsx --import ./src/build-first.ts …`). The
// bench measures the built packages (`dist/`), as an application imports them, not their
// TypeScript source, so before anything is loaded it has turbo build the workspace packages the
// bench depends on (what is current is skipped: under a second when nothing changed). It stops
// with turbo's output when a build fails.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const build = spawnSync(
  join(root, "node_modules", ".bin", "turbo"),
  ["run", "build", "--filter=@kv/bench^...", "--output-logs=errors-only"],
  { cwd: root, encoding: "utf8", env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" } },
);
if (build.status !== 0) {
  process.stderr.write(`${build.stdout ?? ""}${build.stderr ?? ""}`);
  process.stderr.write(
    `Building the packages the bench measures failed (${build.error ?? `exit ${build.status}`}).\n`,
  );
  process.exit(1);
}
