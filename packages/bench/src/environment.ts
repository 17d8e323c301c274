import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem, type } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The bench package's directory. */
export const PACKAGE_DIR: string = dirname(dirname(fileURLToPath(import.meta.url)));
/** The repository root. */
export const REPO_ROOT: string = dirname(dirname(PACKAGE_DIR));

/** The machine and runtime a run happened on. */
export interface Machine {
  /** CPU model from /proc/cpuinfo (or os.cpus()). */
  cpu: string;
  /** Logical cores. */
  cores: number;
  /** Total memory in GiB. */
  memoryGiB: number;
  /** Operating system and kernel. */
  os: string;
  /** Node.js version. */
  node: string;
  /** V8 version. */
  v8: string;
  /** Git commit of the repository, when known. */
  commit: string;
}

/** The 1, 5 and 15 minute load averages, as /proc/loadavg shows them. */
export function loadAverage(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(" ");
}

function cpuModel(): string {
  try {
    const info = readFileSync("/proc/cpuinfo", "utf8");
    const model = /^model name\s*:\s*(.+)$/m.exec(info)?.[1];
    if (model !== undefined) return model.trim();
  } catch {}
  return cpus()[0]?.model ?? "unknown";
}

function gitCommit(): string {
  try {
    const commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "ignore"],
    })
      .toString()
      .trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--", "packages"], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "ignore"],
    })
      .toString()
      .trim();
    return dirty === "" ? commit : `${commit} (with uncommitted changes under packages/)`;
  } catch {
    return "unknown";
  }
}

/** Facts about the machine and runtime. */
export function machine(): Machine {
  return {
    cpu: cpuModel(),
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
    node: process.version,
    v8: process.versions.v8,
    commit: gitCommit(),
  };
}

/**
 * The installed version of an npm package as the bench resolves it: from the bench's own
 * node_modules, else from pnpm's hoisted store (for transitive packages such as @redis/client).
 */
export function packageVersion(name: string): string {
  const candidates = [
    join(PACKAGE_DIR, "node_modules", name, "package.json"),
    join(REPO_ROOT, "node_modules", ".pnpm", "node_modules", name, "package.json"),
  ];
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    const manifest = JSON.parse(readFileSync(candidate, "utf8")) as { version?: string };
    if (manifest.version !== undefined) return manifest.version;
  }
  return "not installed";
}
