import type { Client } from "@elastic/elasticsearch";
import {
  type AtomicEntry,
  type Clock,
  compareAndSwap,
  formatTimestamp,
  insertBySwap,
  liveVersionToken,
  type ManagedEntry,
  type StoredVersion,
  type SwapTarget,
  versionWithExpiry,
} from "@kv/protocol";
import type { Refresh } from "./bulk.ts";
import { documentId, fromSource, isRecord, toSource } from "./layout.ts";

/** One entry's document: where it lives, and how writes to it are made. */
export interface EntryRef {
  client: Client;
  index: string;
  collection: string;
  key: string;
  refresh: Refresh;
  clock: Clock;
}

/** A stored document with the sequence number and primary term of its last write. */
export interface StoredDocument {
  /** The document as stored. */
  source: Record<string, unknown>;
  /** The entry it holds (expired or not). */
  entry: ManagedEntry;
  seqNo: number;
  primaryTerm: number;
}

/** One write of a document: its sequence number and primary term. */
type Version = Pick<StoredDocument, "seqNo" | "primaryTerm">;

/** The write a conditional write must find: none (`absent`), or this one. */
type Expected = "absent" | Version;

/** Reads an entry's document with its `_seq_no` and `_primary_term` (a realtime get). */
export async function readStored(ref: EntryRef): Promise<StoredDocument | undefined> {
  const response = await ref.client.get<unknown>(
    { index: ref.index, id: documentId(ref.key) },
    { ignore: [404] },
  );
  const { found, _source: source, _seq_no: seqNo, _primary_term: primaryTerm } = response;
  if (!found || seqNo === undefined || primaryTerm === undefined) return undefined;
  const entry = fromSource(source);
  return { source: isRecord(source) ? source : {}, entry, seqNo, primaryTerm };
}

/**
 * Indexes a document: unconditionally (`any`), or only where the expected write is still the last
 * one: `op_type=create` for `absent`, otherwise `if_seq_no` and `if_primary_term`. Elasticsearch
 * checks the condition on the primary shard in the same step as the write.
 * @returns `false` when the condition failed (409)
 */
export async function writeDocument(
  ref: EntryRef,
  source: object,
  expected: Expected | "any",
): Promise<boolean> {
  const condition =
    expected === "any"
      ? {}
      : expected === "absent"
        ? { op_type: "create" as const }
        : ifSeqNo(expected);
  try {
    await ref.client.index({
      index: ref.index,
      id: documentId(ref.key),
      document: source,
      refresh: ref.refresh,
      ...condition,
    });
    return true;
  } catch (error) {
    if (isConflict(error)) return false;
    throw error;
  }
}

/**
 * Deletes a document, unconditionally or only while `expected` is its last write.
 * @returns `true` when it deleted one
 */
export async function deleteDocument(ref: EntryRef, expected?: Version): Promise<boolean> {
  const condition = expected === undefined ? {} : ifSeqNo(expected);
  const response = await ref.client.delete(
    { index: ref.index, id: documentId(ref.key), refresh: ref.refresh, ...condition },
    { ignore: [404, 409] },
  );
  return response.result === "deleted";
}

function ifSeqNo(expected: Version): { if_seq_no: number; if_primary_term: number } {
  return { if_seq_no: expected.seqNo, if_primary_term: expected.primaryTerm };
}

/** The document of an entry written at `ref`. */
export function entrySource(ref: EntryRef, entry: ManagedEntry): object {
  return toSource(ref.collection, ref.key, entry);
}

/**
 * The entry's document as the protocol's `compareAndSwap` reads and writes it: a realtime get
 * with the sequence number, then an index request with `op_type=create` where none was read,
 * otherwise only while the one read (live or expired) is still the last write.
 */
export function documentSwap(ref: EntryRef): SwapTarget<StoredDocument, object> {
  return {
    ...ref,
    read: () => readStored(ref),
    write: (source, stored) => writeDocument(ref, source, stored ?? "absent"),
  };
}

/**
 * The atomic operations on one entry's document (the store's `atomicEntry`): writes conditional
 * on `op_type=create` or on `if_seq_no` and `if_primary_term`. A version is
 * `<seq_no>:<primary_term>:<expires_at in ms>`: the expiry lets a conditional write refuse the
 * version of an entry that has expired since without reading it again, as the document with that
 * sequence number has exactly that expiry.
 */
export class DocumentEntry implements AtomicEntry {
  readonly #ref: EntryRef;

  constructor(ref: EntryRef) {
    this.#ref = ref;
  }

  /**
   * `op_type=create`, and when a document is there but expired, a write conditional on that
   * document's sequence number.
   */
  insert(entry: ManagedEntry): Promise<boolean> {
    return insertBySwap(documentSwap(this.#ref), entrySource(this.#ref, entry));
  }

  /** A realtime get: the entry with its version. */
  async readVersioned(): Promise<StoredVersion | undefined> {
    const stored = await readStored(this.#ref);
    if (stored === undefined) return undefined;
    const { entry, seqNo, primaryTerm } = stored;
    return { entry, version: versionWithExpiry(`${seqNo}:${primaryTerm}`, entry) };
  }

  /** Indexes the entry while its document is still at `version`. */
  async replaceVersioned(entry: ManagedEntry, version: string): Promise<boolean> {
    const expected = this.#expectedWrite(version);
    return (
      expected !== undefined && writeDocument(this.#ref, entrySource(this.#ref, entry), expected)
    );
  }

  /** Deletes the document while it is still at `version`. */
  async removeVersioned(version: string): Promise<boolean> {
    const expected = this.#expectedWrite(version);
    return expected !== undefined && deleteDocument(this.#ref, expected);
  }

  /**
   * Reads the document, then writes it back with only `expires_at` changed (left out for
   * `undefined`: JSON drops an undefined member), conditional on the sequence number read;
   * retried on conflict.
   */
  touch(expiresAt: number | undefined): Promise<boolean> {
    const expiry = expiresAt === undefined ? undefined : formatTimestamp(expiresAt);
    return compareAndSwap(documentSwap(this.#ref), "touch", (live) =>
      live === undefined
        ? { result: false }
        : { write: { ...live.source, expires_at: expiry }, result: true },
    );
  }

  /** The write a version names, or `undefined` when it is malformed or its entry has expired. */
  #expectedWrite(version: string): Version | undefined {
    const token = liveVersionToken(version, this.#ref.clock.now());
    const match = token === undefined ? null : /^(\d+):(\d+)$/.exec(token);
    if (match === null) return undefined;
    const [, seqNo = "", primaryTerm = ""] = match;
    return { seqNo: Number(seqNo), primaryTerm: Number(primaryTerm) };
  }
}

/** True for Elasticsearch's answer to a failed condition: 409, `version_conflict_engine_exception`. */
function isConflict(error: unknown): boolean {
  return (error as { meta?: { statusCode?: unknown } } | undefined)?.meta?.statusCode === 409;
}
