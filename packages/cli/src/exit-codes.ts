/** The exit codes of `kv`. */
export const ExitCode = {
  /** The command did what it was asked. */
  ok: 0,
  /** The command failed: a store error, an unreachable server, a missing capability or package. */
  failure: 1,
  /** The command line is wrong: an unknown command or option, a bad URL, value or TTL, a missing `--yes`. */
  usage: 2,
  /** The key (or the key to resume after) is not in the store. */
  notFound: 3,
  /** Ctrl-C stopped a copy, sync, clear or stats after its current batch (128 + SIGINT). */
  interrupted: 130,
} as const;

/** One of the exit codes of `kv`. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
