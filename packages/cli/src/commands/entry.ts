import { readFile } from "node:fs/promises";
import { DEFAULT_COLLECTION, resolveTtl, type Value } from "@kv/protocol";
import { notFoundError, usageError } from "../cli-error.ts";
import type { CommandContext } from "../context.ts";
import { withStores } from "../with-stores.ts";

/** Options of get, ttl and delete. */
export interface EntryOptions {
  collection?: string | undefined;
}

/** Options of put. */
export interface PutCommandOptions extends EntryOptions {
  ttl?: string | undefined;
  file?: string | undefined;
}

function where(key: string, collection: string | undefined): string {
  return `${key} in collection ${collection ?? DEFAULT_COLLECTION}`;
}

/** `kv get URL KEY`: prints the value (exit 3 when missing). */
export async function get(
  url: string,
  key: string,
  options: EntryOptions,
  { output }: CommandContext,
): Promise<void> {
  const value = await withStores([url], (store) =>
    store.get(key, { collection: options.collection }),
  );
  if (value === undefined) throw notFoundError(`${where(key, options.collection)} not found`);
  if (output.json) await output.record({ key, collection: options.collection, value });
  else await output.line(JSON.stringify(value, null, 2));
}

/** `kv ttl URL KEY`: prints the remaining TTL in seconds, or that it never expires. */
export async function ttl(
  url: string,
  key: string,
  options: EntryOptions,
  { output }: CommandContext,
): Promise<void> {
  const [value, remaining] = await withStores([url], (store) =>
    store.ttl(key, { collection: options.collection }),
  );
  if (value === undefined) throw notFoundError(`${where(key, options.collection)} not found`);
  const seconds = remaining === undefined ? null : Math.round(remaining * 1000) / 1000;
  if (output.json) await output.record({ key, collection: options.collection, ttl: seconds });
  else await output.line(seconds === null ? "no expiry" : `${seconds} s`);
}

/** `kv delete URL KEY` (exit 3 when there was nothing to delete). */
export async function remove(
  url: string,
  key: string,
  options: EntryOptions,
  { output }: CommandContext,
): Promise<void> {
  const deleted = await withStores([url], (store) =>
    store.delete(key, { collection: options.collection }),
  );
  if (!deleted) throw notFoundError(`${where(key, options.collection)} not found`);
  if (output.json) await output.record({ key, collection: options.collection, deleted });
  else await output.line(`deleted ${where(key, options.collection)}`);
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** The JSON object to store, from the argument, `--file` or stdin. */
async function readValue(
  given: string | undefined,
  options: PutCommandOptions,
  context: CommandContext,
): Promise<Value> {
  if (given !== undefined && options.file !== undefined) {
    throw usageError("give the value either as an argument or with --file, not both");
  }
  let text: string;
  let from: string;
  if (options.file !== undefined) {
    from = options.file;
    try {
      text = await readFile(options.file, "utf8");
    } catch (error) {
      throw usageError(`cannot read ${options.file}: ${(error as Error).message}`);
    }
  } else if (given !== undefined && given !== "-") {
    from = "the value argument";
    text = given;
  } else {
    if (context.output.stdin.isTTY === true) {
      throw usageError("give a value: an argument, --file PATH, or JSON on stdin");
    }
    from = "stdin";
    text = await readStream(context.output.stdin);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw usageError(`${from} is not JSON: ${(error as Error).message}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw usageError(`${from} must be a JSON object such as {"name":"Ada"}`);
  }
  return value as Value;
}

/** `kv put URL KEY [VALUE]`: stores a JSON object (from the argument, `--file` or stdin). */
export async function put(
  url: string,
  key: string,
  given: string | undefined,
  options: PutCommandOptions,
  context: CommandContext,
): Promise<void> {
  const seconds = resolveTtl(numberOrText(options.ttl));
  const value = await readValue(given, options, context);
  await withStores([url], (store) =>
    store.put(key, value, { collection: options.collection, ttl: seconds }),
  );
  const { output } = context;
  if (output.json) {
    await output.record({
      key,
      collection: options.collection,
      ttl: seconds ?? null,
      stored: true,
    });
  } else {
    const expiry = seconds === undefined ? "" : ` (expires in ${seconds} s)`;
    await output.line(`stored ${where(key, options.collection)}${expiry}`);
  }
}

/** `"60"` → 60 (seconds); `"1h"` stays a duration for `resolveTtl`. */
export function numberOrText(text: string | undefined): number | string | undefined {
  if (text === undefined) return undefined;
  return /^\s*[+-]?(\d+\.?\d*|\.\d+)\s*$/.test(text) ? Number(text) : text;
}
