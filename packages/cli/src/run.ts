import { CommanderError } from "commander";
import { describeError, describeInFull } from "./describe-error.ts";
import { ExitCode } from "./exit-codes.ts";
import { type CliIo, Output, secretsOf } from "./output.ts";
import { createProgram } from "./program.ts";

/**
 * Runs `kv` with the given arguments (without `node` and the script) and returns the exit code.
 * Errors are printed as one line on stderr (with their stack and causes under `--verbose`);
 * credentials of store URLs never appear in what is printed.
 */
export async function runCli(
  args: readonly string[],
  io: CliIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
): Promise<ExitCode> {
  const secrets = secretsOf(args);
  let exitCode: ExitCode = ExitCode.ok;
  let verbose = args.includes("--verbose") || args.includes("-v");
  const program = createProgram(io, secrets, (code, isVerbose) => {
    exitCode = code;
    verbose = isVerbose;
  });
  try {
    await program.parseAsync([...args], { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    const output = new Output(io, { json: true, secrets });
    const report = describeError(error);
    output.note(`kv: ${report.line}`);
    if (verbose) output.note(describeInFull(error));
    return report.exitCode;
  }
}
