import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The built binary, as `npm i -g @kv/cli` installs it (package.json `bin`). */
export const binary: string = join(
  dirname(dirname(fileURLToPath(import.meta.url))),
  "dist",
  "cli.mjs",
);

/** What a finished run of `kv` printed and its exit code. */
export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options of a run: text for stdin, the working directory, the binary to run. */
export interface RunOptions {
  input?: string;
  cwd?: string;
  bin?: string;
}

/** The environment of a user's shell: without the NODE_PATH `pnpm run` sets for the tests. */
function shellEnvironment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { NODE_PATH: _, ...env } = process.env;
  return { ...env, ...extra };
}

/** Starts `kv` with the arguments, stdout and stderr piped (not a terminal). */
export function start(args: readonly string[], options: RunOptions = {}): ChildProcess {
  const child = spawn(process.execPath, [options.bin ?? binary, ...args], {
    cwd: options.cwd,
    env: shellEnvironment({ FORCE_COLOR: "0" }),
    stdio: ["pipe", "pipe", "pipe"],
  });
  child.stdin?.end(options.input ?? "");
  return child;
}

/** Waits for a started run to end and collects what it printed. */
export function finished(child: ChildProcess): Promise<Finished> {
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs `kv` to the end with stdout and stderr piped. */
export function kv(args: readonly string[], options: RunOptions = {}): Promise<Finished> {
  return finished(start(args, options));
}

/** The JSON lines a run printed on stdout. */
export function jsonLines(text: string): unknown[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as unknown);
}

/**
 * Runs `kv` under a pseudo-terminal (util-linux `script`), so its stdin, stdout and stderr are
 * a terminal (stdout goes to `stdoutFile` instead when given); returns everything the terminal showed.
 */
export function kvInTerminal(
  args: readonly string[],
  input = "",
  stdoutFile?: string,
): Promise<Finished> {
  const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
  const redirect = stdoutFile === undefined ? "" : ` > ${quote(stdoutFile)}`;
  const command = [process.execPath, binary, ...args].map(quote).join(" ") + redirect;
  const child = spawn("script", ["-qec", command, "/dev/null"], {
    env: shellEnvironment({ TERM: "xterm", COLUMNS: "120", LINES: "40" }),
    stdio: ["pipe", "pipe", "pipe"],
  });
  if (input !== "") child.stdin?.write(input);
  const done = finished(child);
  setTimeout(() => child.stdin?.end(), input === "" ? 0 : 3000).unref();
  return done;
}
