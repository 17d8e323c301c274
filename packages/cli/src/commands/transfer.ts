import { type KeyValue, supportsCollections } from "@kv/protocol";
import { clearStore, copyStore, syncStores, type TransferReport } from "@kv/transfer";
import { usageError } from "../cli-error.ts";
import { confirm } from "../confirm.ts";
import type { CommandContext } from "../context.ts";
import { countInBackground } from "../count-keys.ts";
import { ExitCode } from "../exit-codes.ts";
import { interruptible } from "../interrupt.ts";
import { positiveInteger } from "../numbers.ts";
import { formatBytes, formatCount, formatDuration, type Output } from "../output.ts";
import { createProgress } from "../progress.ts";
import { shellQuote } from "../shell-quote.ts";
import { withStores } from "../with-stores.ts";
import { numberOrText } from "./entry.ts";

/** Options of copy, sync and clear. */
export interface TransferCommandOptions {
  collection?: string[] | undefined;
  ttl?: string | undefined;
  batch?: string | undefined;
  dryRun?: boolean | undefined;
  after?: string | undefined;
  yes?: boolean | undefined;
}

type Command = "copy" | "sync" | "clear";

/** The collections of the stores, first store first, without repeats; undefined if one cannot list them. */
async function collectionsOf(stores: readonly KeyValue[]): Promise<string[] | undefined> {
  const names = new Set<string>();
  for (const store of stores) {
    if (!supportsCollections(store)) return undefined;
    for await (const name of store.iterateCollections()) names.add(name);
  }
  return [...names];
}

function ttlOption(text: string | undefined): "preserve" | "drop" | number | string {
  if (text === undefined || text === "preserve" || text === "drop") return text ?? "preserve";
  return numberOrText(text) as number | string;
}

/** Runs a copy, sync or clear with progress, Ctrl-C handling, and its report printed. */
async function transfer(
  command: Command,
  names: readonly string[],
  options: TransferCommandOptions,
  context: CommandContext,
): Promise<ExitCode> {
  const { output } = context;
  const batchSize = options.batch === undefined ? 1000 : positiveInteger(options.batch, "--batch");
  if (options.after !== undefined && command !== "copy") {
    throw usageError("--after resumes a copy; sync and clear start their collections again");
  }
  return await withStores(names, async (...stores) => {
    const [first, second] = stores as [KeyValue, KeyValue | undefined];
    const collections =
      options.collection ?? (await collectionsOf(command === "sync" ? stores : [first]));
    let after: Record<string, string> | undefined;
    if (options.after !== undefined) {
      const resumed = collections?.[0];
      if (resumed === undefined) {
        throw usageError("--after needs the collection to resume in: give it with --collection");
      }
      after = { [resumed]: options.after };
    }
    if (!options.dryRun && command !== "copy") {
      const target = command === "clear" ? first : second;
      const targetName = command === "clear" ? names[0] : names[1];
      const what =
        collections === undefined
          ? "every collection"
          : `${collections.length === 1 ? "collection" : "collections"} ${collections.join(", ")}`;
      const question =
        command === "clear"
          ? `delete every entry of ${what} in ${targetName}?`
          : `delete the entries the source lacks from ${what} in ${targetName}?`;
      if (target !== undefined) await confirm(output, question, options.yes === true);
    }
    const verb = { copy: "copying", sync: "syncing", clear: "clearing" }[command];
    const progress = createProgress(output, context.progress, verb);
    // A sync goes through the source's keys, then the destination's as they are after the copy:
    // about the source's again, plus the destination's own.
    const stopCounting =
      command === "sync"
        ? countInBackground(
            progress,
            names,
            collections,
            ([source = 0, destination = 0]) => source * 2 + Math.max(0, destination - source),
          )
        : countInBackground(progress, names.slice(0, 1), collections);
    try {
      const report = await interruptible(output, (signal) => {
        const common = {
          collections,
          batchSize,
          dryRun: options.dryRun === true,
          signal,
          onProgress: (p: { keys: number; entries: number; collection: string }) =>
            progress.update({ keys: p.keys, entries: p.entries, collection: p.collection }),
        };
        if (command === "clear") return clearStore(first, common);
        const ttl = ttlOption(options.ttl);
        if (command === "sync") return syncStores(first, second as KeyValue, { ...common, ttl });
        return copyStore(first, second as KeyValue, { ...common, ttl, after });
      });
      await stopCounting();
      progress.stop();
      await printReport(output, command, names, report);
      return report.aborted ? ExitCode.interrupted : ExitCode.ok;
    } finally {
      await stopCounting();
      progress.stop();
    }
  });
}

/** The command that continues an interrupted transfer. */
function resumeCommand(command: Command, names: readonly string[], report: TransferReport): string {
  const parts = ["kv", command, ...names.map(shellQuote)];
  for (const collection of report.resume?.collections ?? []) {
    parts.push("--collection", shellQuote(collection));
  }
  const after = Object.values(report.resume?.after ?? {})[0];
  if (after !== undefined) parts.push("--after", shellQuote(after));
  return parts.join(" ");
}

async function printReport(
  output: Output,
  command: Command,
  names: readonly string[],
  report: TransferReport,
): Promise<void> {
  const resume = report.aborted ? resumeCommand(command, names, report) : undefined;
  if (output.json) {
    const { collections, ...totals } = report;
    await output.record({ command, ...totals, collections, resumeCommand: resume });
    return;
  }
  const would = report.dryRun ? "would have " : "";
  const rate =
    report.elapsedMs > 0 ? (report.copied + report.deleted) / (report.elapsedMs / 1000) : 0;
  const done: string[] = [];
  if (command !== "clear")
    done.push(
      `${would}copied ${formatCount(report.copied)} entries (${formatBytes(report.bytes)})`,
    );
  if (command !== "copy") done.push(`${would}deleted ${formatCount(report.deleted)} entries`);
  const route = command === "clear" ? `in ${names[0]}` : `from ${names[0]} to ${names[1]}`;
  await output.line(
    `${done.join(", ")} ${route} in ${formatDuration(report.elapsedMs)} (${formatCount(rate)} entries/s)`,
  );
  if (report.expired > 0)
    await output.line(`${formatCount(report.expired)} entries expired or vanished on the way`);
  if (report.skipped > 0)
    await output.line(`${formatCount(report.skipped)} keys skipped up to the resume point`);
  if (resume !== undefined) {
    const finished = report.collections
      .filter((each) => each.complete)
      .map((each) => each.collection);
    output.note(
      `interrupted after ${formatCount(report.copied + report.deleted)} entries` +
        (finished.length > 0 ? `; collections finished: ${finished.join(", ")}` : "") +
        `\nresume with: ${resume}`,
    );
  }
}

/** `kv copy SRC DST`. */
export function copy(
  source: string,
  destination: string,
  options: TransferCommandOptions,
  context: CommandContext,
): Promise<ExitCode> {
  return transfer("copy", [source, destination], options, context);
}

/** `kv sync SRC DST`. */
export function sync(
  source: string,
  destination: string,
  options: TransferCommandOptions,
  context: CommandContext,
): Promise<ExitCode> {
  return transfer("sync", [source, destination], options, context);
}

/** `kv clear URL`. */
export function clear(
  url: string,
  options: TransferCommandOptions,
  context: CommandContext,
): Promise<ExitCode> {
  return transfer("clear", [url], options, context);
}
