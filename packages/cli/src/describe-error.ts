import { ConfigError, MissingPackageError } from "@kv/config";
import {
  InvalidKeyError,
  InvalidTtlError,
  KeyValueError,
  SerializationError,
  StoreConnectionError,
} from "@kv/protocol";
import { MissingCapabilityError, ResumeKeyNotFoundError } from "@kv/transfer";
import { CliError } from "./cli-error.ts";
import { ExitCode } from "./exit-codes.ts";

/** What `kv` prints for an error, and the code it exits with. */
export interface ErrorReport {
  /** One line, without the `kv: ` prefix. */
  line: string;
  exitCode: ExitCode;
}

/** The package a "module not found" error names, when it is one. */
function missingModule(error: unknown): string | undefined {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") return undefined;
  return /(?:package|module) '((?:@[^/']+\/)?[^/']+)/.exec(String(message))?.[1];
}

/** The innermost message of a chain of causes, when it says more than the outer one. */
function rootCause(error: Error): string | undefined {
  let cause: unknown = error.cause;
  let last: string | undefined;
  for (let depth = 0; cause instanceof Error && depth < 5; depth++) {
    last = cause.message;
    cause = cause.cause;
  }
  return last !== undefined && last !== "" && !error.message.includes(last) ? last : undefined;
}

const firstLine = (text: string) => text.split("\n")[0] ?? "";

/** Turns any error into the one line `kv` prints and its exit code. */
export function describeError(error: unknown): ErrorReport {
  if (error instanceof CliError) return { line: error.message, exitCode: error.exitCode };
  if (MissingPackageError.isInstance(error)) {
    const name = error.packageName;
    return {
      line: `the package ${name} is not installed: run npm i -g ${name} (beside a global kv) or npm i ${name} (in a project)`,
      exitCode: ExitCode.failure,
    };
  }
  const module = missingModule(error);
  if (module !== undefined) {
    return {
      line: `the package ${module} is not installed: run npm i -g ${module} (beside a global kv) or npm i ${module} (in a project)`,
      exitCode: ExitCode.failure,
    };
  }
  if (ConfigError.isInstance(error)) return { line: error.message, exitCode: ExitCode.usage };
  if (ResumeKeyNotFoundError.isInstance(error)) {
    const where = error.collection === undefined ? "" : ` of collection ${error.collection}`;
    return {
      line: `the key to resume after (${error.key ?? "?"}) is not in the source${where}: copy again without --after (writes are idempotent)`,
      exitCode: ExitCode.notFound,
    };
  }
  if (MissingCapabilityError.isInstance(error)) {
    return { line: error.message, exitCode: ExitCode.failure };
  }
  if (
    InvalidKeyError.isInstance(error) ||
    InvalidTtlError.isInstance(error) ||
    SerializationError.isInstance(error)
  ) {
    return { line: error.message, exitCode: ExitCode.usage };
  }
  if (StoreConnectionError.isInstance(error)) {
    const cause = rootCause(error);
    return {
      line: `cannot reach the store: ${firstLine(error.message)}${cause === undefined ? "" : `: ${firstLine(cause)}`}`,
      exitCode: ExitCode.failure,
    };
  }
  if (KeyValueError.isInstance(error)) {
    const cause = rootCause(error);
    return {
      line: `${firstLine(error.message)}${cause === undefined ? "" : `: ${firstLine(cause)}`}`,
      exitCode: ExitCode.failure,
    };
  }
  if (error instanceof Error) return { line: firstLine(error.message), exitCode: ExitCode.failure };
  return { line: String(error), exitCode: ExitCode.failure };
}

/** Everything about an error, for `--verbose`: its stack and the chain of causes. */
export function describeInFull(error: unknown): string {
  const lines: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 8; depth++) {
    const text = current instanceof Error ? (current.stack ?? current.message) : String(current);
    lines.push(depth === 0 ? text : `caused by: ${text}`);
    current = current instanceof Error ? current.cause : undefined;
  }
  return lines.join("\n");
}
