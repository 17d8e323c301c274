import { createInterface } from "node:readline/promises";
import { CliError, usageError } from "./cli-error.ts";
import { ExitCode } from "./exit-codes.ts";
import type { Output } from "./output.ts";

/**
 * Asks before a destructive command: on a terminal a y/N question, elsewhere `--yes` is needed.
 * @throws CliError (usage) without `--yes` off a terminal; CliError (failure) when declined
 */
export async function confirm(output: Output, question: string, yes: boolean): Promise<void> {
  if (yes) return;
  if (output.stdin.isTTY !== true || !output.interactive) {
    throw usageError(`${question.replace(/\?$/, "")}: pass --yes to confirm`);
  }
  const prompt = createInterface({
    input: output.stdin,
    output: output.stderr as NodeJS.WritableStream,
  });
  try {
    const answer = await prompt.question(`${output.redact(question)} [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new CliError("cancelled", ExitCode.failure);
  } finally {
    prompt.close();
  }
}
