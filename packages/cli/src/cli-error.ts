import { ExitCode } from "./exit-codes.ts";

/** A problem `kv` reports as one line on stderr, with the exit code it ends with. */
export class CliError extends Error {
  override readonly name = "CliError";
  /** The code the process exits with. */
  readonly exitCode: ExitCode;

  constructor(message: string, exitCode: ExitCode = ExitCode.failure) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** A command line that cannot work (exit code 2). */
export function usageError(message: string): CliError {
  return new CliError(message, ExitCode.usage);
}

/** A key that is not in the store (exit code 3). */
export function notFoundError(message: string): CliError {
  return new CliError(message, ExitCode.notFound);
}
