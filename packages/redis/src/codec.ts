import {
  codeUnitAt,
  DeserializationError,
  fromEntryDocument,
  type ManagedEntry,
} from "@kv/protocol";
import { readTimestamp, STAMP_PATTERN, stampAt, TimestampFormatter } from "./timestamps.ts";

/**
 * The members of a document before its key, `{"collection":…,"created_at":…,"expires_at":…,`,
 * remembered for the last collection and timestamps: the entries of a bulk write share them.
 */
class DocumentHead {
  private readonly created = new TimestampFormatter();
  private readonly expires = new TimestampFormatter();
  private collectionJson = "";
  private createdAt: number | undefined = Number.NaN;
  private expiresAt: number | undefined = Number.NaN;
  private text = "";

  of(entry: ManagedEntry, collectionJson: string): string {
    const { createdAt, expiresAt } = entry;
    if (
      createdAt !== this.createdAt ||
      expiresAt !== this.expiresAt ||
      collectionJson !== this.collectionJson
    ) {
      let text = `{"collection":${collectionJson},`;
      if (createdAt !== undefined) text += `"created_at":"${this.created.format(createdAt)}",`;
      if (expiresAt !== undefined) text += `"expires_at":"${this.expires.format(expiresAt)}",`;
      this.text = text;
      this.collectionJson = collectionJson;
      this.createdAt = createdAt;
      this.expiresAt = expiresAt;
    }
    return this.text;
  }
}

const head = new DocumentHead();

/** A read entry whose `createdAt` is parsed only if someone asks: reads never need it. */
class StoredEntry implements ManagedEntry {
  readonly value: ManagedEntry["value"];
  readonly expiresAt: number | undefined;
  private readonly created: string | undefined;

  constructor(
    value: ManagedEntry["value"],
    created: string | undefined,
    expiresAt: number | undefined,
  ) {
    this.value = value;
    this.created = created;
    this.expiresAt = expiresAt;
  }

  get createdAt(): number | undefined {
    return this.created === undefined ? undefined : readTimestamp(this.created);
  }
}

/**
 * The JSON document of an entry, byte for byte what `serializeEntry` of `@kv/protocol` writes
 * (py-key-value's sorted field order). `collectionJson` is `JSON.stringify(collection)`.
 */
export function encodeEntry(entry: ManagedEntry, collectionJson: string, key: string): string {
  const start = head.of(entry, collectionJson);
  return `${start}"key":${JSON.stringify(key)},"value":${JSON.stringify(entry.value)},"version":1}`;
}

/** Milliseconds until the entry expires (at least 1), or `undefined` when it never does: its `PX`. */
export function expiryMs(entry: ManagedEntry): number | undefined {
  if (entry.expiresAt === undefined) return undefined;
  return Math.max(1, Math.round(entry.expiresAt - (entry.createdAt ?? Date.now())));
}

/** True when two entries were written together: the same creation time and expiry. */
export function sameTimes(entry: ManagedEntry, other: ManagedEntry): boolean {
  return entry.expiresAt === other.expiresAt && entry.createdAt === other.createdAt;
}

/**
 * The interleaved key/document `pairs` of `entries` grouped by expiry, each group with the
 * milliseconds it has left at `now` (`undefined`: never expires), for whole entries written
 * with their own timestamps.
 */
export function byExpiry(
  pairs: readonly string[],
  entries: readonly (readonly [string, ManagedEntry])[],
  now: number,
): [px: number | undefined, pairs: string[]][] {
  const groups = new Map<number | undefined, string[]>();
  for (const [index, [, { expiresAt }]] of entries.entries()) {
    let group = groups.get(expiresAt);
    if (group === undefined) {
      group = [];
      groups.set(expiresAt, group);
    }
    group.push(pairs[2 * index] as string, pairs[2 * index + 1] as string);
  }
  return Array.from(groups, ([expiresAt, group]) => [
    expiresAt === undefined ? undefined : Math.max(1, Math.ceil(expiresAt - now)),
    group,
  ]);
}

/**
 * How py-key-value and `encodeEntry` lay a document out, with one kind of separators: `head`
 * matches its start up to the first timestamp member; `rest` the optional timestamp members, the
 * key and the name of the value. Names and timestamps are JSON strings, in which a quote is always
 * escaped, so these expressions match exactly the documents laid out so, and no other.
 */
interface SortedLayout {
  readonly head: RegExp;
  readonly rest: RegExp;
  /** Where a timestamp starts in its member, `"created_at":"…`. */
  readonly stamp: number;
  /** The length of a timestamp member and its separator. */
  readonly member: number;
  readonly tail: string;
}

const NAME = String.raw`"(?:[^"\\]|\\.)*"`;

function sortedLayout(colon: string, comma: string): SortedLayout {
  const member = (name: string) => `"${name}"${colon}"${STAMP_PATTERN}"${comma}`;
  return {
    head: new RegExp(`\\{"collection"${colon}${NAME}${comma}`, "y"),
    rest: new RegExp(
      `(?:${member("created_at")})?(?:${member("expires_at")})?"key"${colon}${NAME}${comma}"value"${colon}`,
      "y",
    ),
    stamp: `"created_at"${colon}"`.length,
    member: `"created_at"${colon}"${"0".repeat(TIMESTAMP_LENGTH)}"${comma}`.length,
    tail: `${comma}"version"${colon}1}`,
  };
}

/** The length of `2026-11-23T05:04:57.123000+00:00`. */
const TIMESTAMP_LENGTH = 32;
const SPACE = 32;
const LETTER_C = 99;
const LETTER_E = 101;
/** `JSON.stringify`'s separators, as `encodeEntry` writes. */
const COMPACT = sortedLayout(":", ",");
/** Python's `json.dumps` separators, as py-key-value writes. */
const SPACED = sortedLayout(": ", ", ");

/**
 * Reads an entry document, as `deserializeEntry` of `@kv/protocol` does.
 * @throws DeserializationError when the text is not an entry document
 */
export function decodeEntry(json: string): ManagedEntry {
  return decodeSorted(json) ?? decodeParsed(json);
}

/**
 * Reads a document laid out as py-key-value and `encodeEntry` write it by checking its head and
 * parsing only the value; `undefined` when the text has another form, for `decodeParsed`.
 */
function decodeSorted(json: string): ManagedEntry | undefined {
  const layout = codeUnitAt(json, 14) === SPACE ? SPACED : COMPACT;
  const { head, rest, tail } = layout;
  head.lastIndex = 0;
  if (!head.test(json)) return undefined;
  let at = head.lastIndex;
  rest.lastIndex = at;
  if (!rest.test(json) || !json.endsWith(tail)) return undefined;
  let created: string | undefined;
  if (codeUnitAt(json, at + 1) === LETTER_C) {
    created = json.slice(at + layout.stamp, at + layout.stamp + TIMESTAMP_LENGTH);
    at += layout.member;
  }
  let expiresAt: number | undefined;
  if (codeUnitAt(json, at + 1) === LETTER_E) {
    expiresAt = stampAt(json, at + layout.stamp);
    if (Number.isNaN(expiresAt)) return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(json.slice(rest.lastIndex, json.length - tail.length));
  } catch {
    return undefined;
  }
  return isObject(value) ? new StoredEntry(value, created, expiresAt) : undefined;
}

/** Reads a document in any other form by parsing all of it. */
function decodeParsed(json: string): ManagedEntry {
  let document: unknown;
  try {
    document = JSON.parse(json);
  } catch (error) {
    throw new DeserializationError({ message: "Stored data is not valid JSON", cause: error });
  }
  const record = document as Record<string, unknown> | null;
  const value = record?.value;
  const created = record?.created_at;
  if (!isObject(value) || (created != null && typeof created !== "string")) {
    return fromEntryDocument(document);
  }
  const expires = (record as Record<string, unknown>).expires_at;
  const expiresAt = expires == null ? undefined : readTimestamp(expires);
  return new StoredEntry(value, created ?? undefined, expiresAt);
}

function isObject(input: unknown): input is ManagedEntry["value"] {
  return typeof input === "object" && input !== null && !Array.isArray(input);
}
