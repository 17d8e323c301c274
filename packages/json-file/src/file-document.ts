import {
  DeserializationError,
  fromEntryDocument,
  type ManagedEntry,
  messageOf,
  toEntryDocument,
} from "@kv/protocol";
import { type ParseError, parseTree } from "jsonc-parser";
import { JsonFileSyntaxError } from "./errors.ts";

/** What a collection file holds. */
export interface FileContents {
  /** The collection named in the file, when it names one. */
  readonly collection: string | undefined;
  /** The entries by key, in the file's order. */
  readonly entries: Map<string, ManagedEntry>;
}

function isRecord(input: unknown): input is Record<string, unknown> {
  return typeof input === "object" && input !== null && !Array.isArray(input);
}

/** The 1-based line and column of a UTF-16 offset in `text`. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, column: offset - before.lastIndexOf("\n") };
}

/** Where the first syntax error of `text` is: the strict JSON scanner's first complaint. */
function errorOffset(text: string, message: string): number {
  const errors: ParseError[] = [];
  parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  const found = errors[0]?.offset ?? Number(/at position (\d+)/.exec(message)?.[1] ?? text.length);
  return Math.min(found, text.length);
}

/**
 * Parses a collection file. An empty file holds no entries.
 * @throws JsonFileSyntaxError naming the file, line and column when it is not JSON;
 *   DeserializationError naming the file (and key) when it is JSON of another shape
 */
export function parseFile(text: string, file: string): FileContents {
  if (text.trim().length === 0) return { collection: undefined, entries: new Map() };
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    const position = lineAndColumn(text, errorOffset(text, messageOf(error)));
    throw new JsonFileSyntaxError({
      ...position,
      file,
      cause: error,
      message: `${file}:${position.line}:${position.column}: not valid JSON (${messageOf(error)})`,
    });
  }
  if (!isRecord(document) || !(document.entries === undefined || isRecord(document.entries))) {
    throw new DeserializationError({
      message: `${file} is not a collection file: expected { "collection": …, "entries": { … } }`,
    });
  }
  const collection = typeof document.collection === "string" ? document.collection : undefined;
  const entries = new Map<string, ManagedEntry>();
  for (const [key, entry] of Object.entries(document.entries ?? {})) {
    try {
      entries.set(key, fromEntryDocument(entry));
    } catch (error) {
      throw new DeserializationError({
        message: `${file}: ${messageOf(error)}`,
        cause: error,
        collection,
        key,
      });
    }
  }
  return { collection, entries };
}

/** Each entry's text in a collection file, made once per entry (entries are never changed). */
const entryTexts = new WeakMap<ManagedEntry, string>();

/** The entry's document, pretty-printed as it stands at depth 2 of its file. */
function entryText(entry: ManagedEntry): string {
  let text = entryTexts.get(entry);
  if (text === undefined) {
    text = JSON.stringify(toEntryDocument(entry), null, 2).replaceAll("\n", "\n    ");
    entryTexts.set(entry, text);
  }
  return text;
}

/**
 * The text of a collection file: what `JSON.stringify(…, null, 2)` gives for
 * `{ collection, entries }` with each entry as py-key-value's entry document, and a final
 * newline. An entry's text is made once and reused by every later rewrite of the file.
 */
export function formatFile(collection: string, entries: ReadonlyMap<string, ManagedEntry>): string {
  const parts = Array.from(
    entries,
    ([key, entry]) => `    ${JSON.stringify(key)}: ${entryText(entry)}`,
  );
  const body = parts.length === 0 ? "{}" : `{\n${parts.join(",\n")}\n  }`;
  return `{\n  "collection": ${JSON.stringify(collection)},\n  "entries": ${body}\n}\n`;
}
