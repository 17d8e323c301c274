import { usageError } from "./cli-error.ts";

/**
 * A command-line number that must be a positive integer.
 * @throws CliError (usage) otherwise
 */
export function positiveInteger(text: string, option: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw usageError(`${option} must be a positive integer, got ${text}`);
  }
  return value;
}

/**
 * A command-line number of seconds that must be positive.
 * @throws CliError (usage) otherwise
 */
export function positiveSeconds(text: string, option: string): number {
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value) || value <= 0) {
    throw usageError(`${option} must be a positive number of seconds, got ${text}`);
  }
  return value;
}
