import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Value } from "@kv/protocol";

/** The command that makes (or updates) the virtual environment, run from the repository root. */
export const SETUP_COMMAND = "bash scripts/python-interop.sh";

/** The virtual environment made by `scripts/python-interop.sh`. */
export const VENV: string =
  process.env.KV_INTEROP_VENV ?? join(homedir(), ".cache", "kv-interop", "venv");

const python = join(VENV, "bin", "python");
const driver = fileURLToPath(new URL("../driver.py", import.meta.url));
const requirements = fileURLToPath(new URL("../requirements.txt", import.meta.url));

/** How py-key-value reaches a backend: the constructor options of its store. */
export type PyStore =
  | { backend: "redis"; url: string }
  | { backend: "mongodb"; url: string; db_name?: string }
  | { backend: "elasticsearch"; url: string; index_prefix: string }
  | { backend: "dynamodb"; endpoint_url: string; table_name: string }
  | { backend: "postgresql"; url: string; table_name?: string }
  | { backend: "s3"; endpoint_url: string; bucket_name: string };

interface Target {
  collection: string;
  /** Through py-key-value's `FernetEncryptionWrapper` (the command's `fernet` settings). */
  encrypted?: boolean;
}

/** One call of py-key-value's async API, with its keyword arguments. */
export type PyCall = Target &
  (
    | { method: "put"; key: string; value: Value; ttl?: number }
    | { method: "put_many"; keys: string[]; values: Value[]; ttl?: number }
    | { method: "get" | "ttl" | "delete"; key: string }
    | { method: "get_many" | "ttl_many" | "delete_many"; keys: string[] }
  );

/** What `driver.py` runs: calls on one store, optionally through the Fernet wrapper. */
export interface PyCommand {
  store: PyStore;
  /** `FernetEncryptionWrapper(store, source_material=..., salt=...)` for the encrypted calls. */
  fernet?: { source_material: string; salt: string };
  calls: PyCall[];
}

/**
 * One call's outcome: the exception it raised, or what it returned as py-key-value returned it:
 * `null` for writes, a value (or `null`) for `get`, a list for `get_many`, `[value, ttl]` for
 * `ttl`, a list of those for `ttl_many`, a boolean or count for deletes.
 */
export type PyResult = { result: unknown } | { error: string };

/** What `driver.py` printed: one result per call, in order. */
export interface PyAnswer {
  results: PyResult[];
}

/** The results of calls that all succeeded; throws py-key-value's error for the first that did not. */
export function resultsOf(results: readonly PyResult[]): unknown[] {
  return results.map((outcome) => {
    if ("error" in outcome) throw new Error(`py-key-value raised ${outcome.error}`);
    return outcome.result;
  });
}

/**
 * Throws, naming the command that fixes it, unless the virtual environment exists and holds the
 * packages of the current `requirements.txt`.
 */
export function requireVenv(): void {
  const wanted = createHash("sha256").update(readFileSync(requirements)).digest("hex");
  const stamp = join(VENV, "requirements.sha256");
  if (!existsSync(python) || !existsSync(stamp)) {
    throw new Error(
      `py-key-value's virtual environment is missing (${VENV}). Run: ${SETUP_COMMAND}`,
    );
  }
  if (readFileSync(stamp, "utf8").trim() !== wanted) {
    throw new Error(
      `py-key-value's virtual environment is out of date with requirements.txt. Run: ${SETUP_COMMAND}`,
    );
  }
}

/**
 * Runs the calls with py-key-value in the virtual environment, each call's exception caught on
 * its own; rejects with Python's traceback when the store cannot be set up.
 */
export function runPyKeyValue(command: PyCommand): Promise<PyAnswer> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      python,
      [driver],
      { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error === null) resolve(JSON.parse(stdout) as PyAnswer);
        else if ((error as NodeJS.ErrnoException).code === "ENOENT")
          reject(new Error(`${python} is missing. Run: ${SETUP_COMMAND}`, { cause: error }));
        else reject(new Error(`py-key-value failed: ${stderr || error.message}`, { cause: error }));
      },
    );
    child.stdin?.end(JSON.stringify(command));
  });
}
