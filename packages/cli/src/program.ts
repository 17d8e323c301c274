import { createRequire } from "node:module";
import { Command, Option } from "commander";
import { type BenchCommandOptions, bench } from "./commands/bench.ts";
import {
  type EntryOptions,
  get,
  type PutCommandOptions,
  put,
  remove,
  ttl,
} from "./commands/entry.ts";
import { collections, cull, type KeysCommandOptions, keys } from "./commands/listing.ts";
import { type StatsCommandOptions, stats } from "./commands/stats.ts";
import { clear, copy, sync, type TransferCommandOptions } from "./commands/transfer.ts";
import type { CommandContext } from "./context.ts";
import { ExitCode } from "./exit-codes.ts";
import { type CliIo, Output } from "./output.ts";
import type { ProgressMode } from "./progress.ts";

/** The options every command takes. */
interface GlobalOptions {
  json?: boolean;
  verbose?: boolean;
  progress: ProgressMode;
}

/** The version in the package's manifest (beside `src` and `dist` alike). */
function packageVersion(): string {
  return (createRequire(import.meta.url)("../package.json") as { version: string }).version;
}

const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];

const store =
  "a store URL (redis://host:6379/0, sqlite:./app.db, memory: …) or a configuration file (stores.yaml, stores.yaml#name)";

/**
 * The `kv` command line. Each action sets the exit code through `done`; errors thrown by an
 * action propagate to the caller of `parseAsync`.
 */
export function createProgram(
  io: CliIo,
  secrets: ReadonlySet<string>,
  done: (code: ExitCode, verbose: boolean) => void,
): Command {
  const redact = (text: string) => new Output(io, { json: true, secrets }).redact(text);
  const program = new Command("kv");
  /** Wraps an action: builds the context from the global options and records the exit code. */
  const run =
    <A extends unknown[]>(action: (context: CommandContext, ...args: A) => Promise<unknown>) =>
    async (...args: unknown[]): Promise<void> => {
      const command = args.at(-1) as Command;
      const globals = command.optsWithGlobals<GlobalOptions>();
      const verbose = globals.verbose === true;
      const output = new Output(io, { json: globals.json === true, secrets });
      done(ExitCode.ok, verbose);
      const code = await action(
        { output, progress: globals.progress },
        ...(args.slice(0, -1) as A),
      );
      done(typeof code === "number" ? (code as ExitCode) : ExitCode.ok, verbose);
    };

  program
    .description("Inspect, copy, sync and clear any @kv store from the shell.")
    .version(packageVersion(), "-V, --version")
    .option("--json", "print results as JSON lines (the default when stdout is not a terminal)")
    .addOption(
      new Option(
        "--progress <mode>",
        "progress of long commands: a bar on a terminal (auto), JSON lines on stderr (json), or none",
      )
        .choices(["auto", "json", "none"])
        .default("auto"),
    )
    .option("-v, --verbose", "print errors with their stack and causes")
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(redact(text)),
    });

  program
    .command("get")
    .description("print the value of a key (exit code 3 when it is missing)")
    .argument("<url>", store)
    .argument("<key>", "the key")
    .option("-c, --collection <name>", "the collection (default: the store's default collection)")
    .action(run((c, url: string, key: string, options: EntryOptions) => get(url, key, options, c)));

  program
    .command("put")
    .description("store a JSON object under a key")
    .argument("<url>", store)
    .argument("<key>", "the key")
    .argument("[value]", "the value as JSON; - or nothing reads it from stdin")
    .option("-c, --collection <name>", "the collection")
    .option("-t, --ttl <ttl>", "expire after this many seconds, or a duration such as 10m or 1h")
    .option("-f, --file <path>", "read the value from a file")
    .action(
      run((c, url: string, key: string, value: string | undefined, options: PutCommandOptions) =>
        put(url, key, value, options, c),
      ),
    );

  program
    .command("delete")
    .description("delete a key (exit code 3 when there was nothing to delete)")
    .argument("<url>", store)
    .argument("<key>", "the key")
    .option("-c, --collection <name>", "the collection")
    .action(
      run((c, url: string, key: string, options: EntryOptions) => remove(url, key, options, c)),
    );

  program
    .command("ttl")
    .description("print the seconds a key has left, or that it never expires")
    .argument("<url>", store)
    .argument("<key>", "the key")
    .option("-c, --collection <name>", "the collection")
    .action(run((c, url: string, key: string, options: EntryOptions) => ttl(url, key, options, c)));

  program
    .command("keys")
    .description("list the keys of a collection (the store needs the keys capability)")
    .argument("<url>", store)
    .option("-c, --collection <name>", "the collection")
    .option("-n, --limit <count>", "list at most this many")
    .action(run((c, url: string, options: KeysCommandOptions) => keys(url, options, c)));

  program
    .command("collections")
    .description("list the collections that hold entries")
    .argument("<url>", store)
    .action(run((c, url: string) => collections(url, c)));

  const transferOptions = (command: Command, what: string): Command =>
    command
      .option(
        "-c, --collection <name>",
        `${what} only this collection (repeat for more; default: every collection)`,
        collect,
      )
      .option("-b, --batch <count>", "keys per bulk read, write or delete", "1000")
      .option("--dry-run", "read and count, change nothing");

  /** `kv copy` and `kv sync`: a source, a destination, the transfer options and `--ttl`. */
  const betweenStores = (
    name: "copy" | "sync",
    description: string,
    action: typeof copy,
  ): Command =>
    transferOptions(
      program
        .command(name)
        .description(description)
        .argument("<source>", store)
        .argument("<destination>", store),
      name,
    )
      .option(
        "--ttl <ttl>",
        "preserve (the default), drop, or seconds or a duration for every copy",
        "preserve",
      )
      .action(
        run((c, source: string, destination: string, options: TransferCommandOptions) =>
          action(source, destination, options, c),
        ),
      );

  betweenStores(
    "copy",
    "copy every entry, with its remaining TTL, from one store to another; Ctrl-C stops after the current batch",
    copy,
  ).option("--after <key>", "resume: skip the keys up to this one in the first collection");

  betweenStores(
    "sync",
    "make the destination hold what the source holds: copy, then delete what the source lacks",
    sync,
  ).option("-y, --yes", "do not ask for confirmation");

  transferOptions(
    program
      .command("clear")
      .description("delete every entry of the store's collections")
      .argument("<url>", store),
    "clear",
  )
    .option("-y, --yes", "do not ask for confirmation")
    .action(run((c, url: string, options: TransferCommandOptions) => clear(url, options, c)));

  program
    .command("stats")
    .description("entries, expired entries not yet culled, and value bytes, per collection")
    .argument("<url>", store)
    .option("-c, --collection <name>", "only this collection (repeat for more)", collect)
    .option("-b, --batch <count>", "keys per bulk read", "1000")
    .action(run((c, url: string, options: StatsCommandOptions) => stats(url, options, c)));

  program
    .command("cull")
    .description(
      "remove expired entries the backend still keeps (the store needs the cull capability)",
    )
    .argument("<url>", store)
    .action(run((c, url: string) => cull(url, c)));

  program
    .command("bench")
    .description("a short throughput probe: puts and gets per second, single and in bulk")
    .argument("<url>", store)
    .option("-s, --seconds <seconds>", "how long to run in all", "4")
    .option("--concurrency <count>", "concurrent callers", "8")
    .option(
      "-c, --collection <name>",
      "the collection to write in (default: kv-bench-<pid>; its keys are deleted afterwards)",
    )
    .action(run((c, url: string, options: BenchCommandOptions) => bench(url, options, c)));

  return program;
}
