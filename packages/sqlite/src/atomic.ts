import {
  type CounterChange,
  type ManagedEntry,
  NotACounterError,
  type StoredVersion,
} from "@kv/protocol";
import type Database from "better-sqlite3";
import { toEntry, toRow } from "./rows.ts";
import { firstRevision, live, type Row, upsertSql } from "./statements.ts";

/**
 * The atomic operations on one table, each one conditional SQL statement (so the condition and
 * the write happen under one write lock, whichever connection or process runs them). Times are
 * epoch ms; a version token is the row's revision.
 */
export interface AtomicOperations {
  /** Writes the entry unless the key has a live one (an expired one is replaced); `true` when written. */
  insertIfAbsent(collection: string, key: string, entry: ManagedEntry, now: number): boolean;
  /** The live entry with its revision as the version token. */
  readVersioned(collection: string, key: string, now: number): StoredVersion | undefined;
  /** Replaces the live entry only while it has the revision `version` names; `true` when written. */
  replaceIfVersion(
    collection: string,
    key: string,
    entry: ManagedEntry,
    version: string,
    now: number,
  ): boolean;
  /** Deletes the live entry only while it has the revision `version` names; `true` when deleted. */
  deleteIfVersion(collection: string, key: string, version: string, now: number): boolean;
  /**
   * Adds to the counter and returns the new count.
   * @throws NotACounterError when the live value is not a counter or the count would leave the
   * safe integers (the row is left as it was)
   */
  addToCounter(collection: string, key: string, change: CounterChange): number;
  /** Sets a live entry's expiry (`undefined`: never expires); `false` when there is none. */
  touch(collection: string, key: string, expiresAt: number | undefined, now: number): boolean;
}

/** A stored row with its revision. */
interface VersionedRow extends Row {
  revision: number;
}

/** The named parameters of the increment statement. */
interface CounterParameters {
  collection: string;
  key: string;
  by: number;
  now: number;
  expiresAt: number | null;
  refresh: 0 | 1;
}

/** Collection, key, revision (bound as an integer), now: the live row that still has that revision. */
type Match = [string, string, bigint, number];

const maxCount = Number.MAX_SAFE_INTEGER;
const expired = "(expires_at IS NOT NULL AND expires_at <= @now)";
/** The count of a row holding `{ "count": <number> }` and nothing else (in any JSON spelling), else NULL. */
const storedCount = `(CASE WHEN json_valid(value) THEN CASE
  WHEN json_type(value) = 'object' AND json_remove(value, '$.count') = '{}'
   AND json_type(value, '$.count') IN ('integer', 'real')
  THEN json_extract(value, '$.count') END END)`;
/** The row is a counter (a safe integer count) and adding `@by` keeps it a safe integer. */
const isCounter = `(${storedCount} = CAST(${storedCount} AS INTEGER)
  AND abs(${storedCount}) <= ${maxCount} AND abs(${storedCount} + @by) <= ${maxCount})`;

/** Prepares the atomic operations on `table`. */
export function prepareAtomicOperations(db: Database.Database, table: string): AtomicOperations {
  const t = `"${table}"`;
  const matching = `collection = ? AND key = ? AND revision = ? AND ${live}`;
  const insertIfAbsent = db.prepare<[string, string, string, number | null, number | null, number]>(
    upsertSql(table, "expires_at IS NOT NULL AND expires_at <= ?"),
  );
  const readVersioned = db.prepare<[string, string, number], VersionedRow>(
    `SELECT key, value, created_at, expires_at, revision FROM ${t}
     WHERE collection = ? AND key = ? AND ${live}`,
  );
  const replaceIfRevision = db.prepare<[string, number | null, number | null, ...Match]>(
    `UPDATE ${t} SET value = ?, created_at = ?, expires_at = ?, revision = revision + 1
     WHERE ${matching}`,
  );
  const deleteIfRevision = db.prepare<Match>(`DELETE FROM ${t} WHERE ${matching}`);
  const touch = db.prepare<[number | null, string, string, number]>(
    `UPDATE ${t} SET expires_at = ?, revision = revision + 1
     WHERE collection = ? AND key = ? AND ${live}`,
  );
  const increment = db
    .prepare<[CounterParameters], number>(
      `INSERT INTO ${t} (collection, key, value, created_at, expires_at, version, revision)
       VALUES (@collection, @key, json_object('count', CAST(@by AS INTEGER)), @now, @expiresAt,
       1, ${firstRevision})
       ON CONFLICT (collection, key) DO UPDATE SET
       value = CASE WHEN ${expired} THEN excluded.value
         ELSE json_object('count', CAST(${storedCount} AS INTEGER) + CAST(@by AS INTEGER)) END,
       created_at = CASE WHEN ${expired} THEN excluded.created_at ELSE created_at END,
       expires_at = CASE WHEN ${expired} OR @refresh THEN excluded.expires_at ELSE expires_at END,
       revision = revision + 1
       WHERE ${expired} OR ${isCounter}
       RETURNING json_extract(value, '$.count')`,
    )
    .pluck();

  return {
    insertIfAbsent: (collection, key, entry, now) =>
      insertIfAbsent.run(collection, ...toRow(key, entry), now).changes === 1,
    readVersioned: (collection, key, now) => {
      const row = readVersioned.get(collection, key, now);
      return row && { entry: toEntry(row, collection), version: String(row.revision) };
    },
    replaceIfVersion: (collection, key, entry, version, now) => {
      const [, value, createdAt, expiresAt] = toRow(key, entry);
      const match = matchOf(collection, key, version, now);
      return replaceIfRevision.run(value, createdAt, expiresAt, ...match).changes === 1;
    },
    deleteIfVersion: (collection, key, version, now) =>
      deleteIfRevision.run(...matchOf(collection, key, version, now)).changes === 1,
    addToCounter: (collection, key, { by, now, expiresAt, refresh }) => {
      const parameters = { collection, key, by, now, expiresAt: expiresAt ?? null };
      const count = increment.get({ ...parameters, refresh: refresh ? 1 : 0 });
      if (count === undefined) {
        throw new NotACounterError({ operation: "increment", collection, key });
      }
      return count;
    },
    touch: (collection, key, expiresAt, now) =>
      touch.run(expiresAt ?? null, collection, key, now).changes === 1,
  };
}

/** The parameters naming the live row with the revision in `version` (-1, no row, for a token this store never gave out). */
function matchOf(collection: string, key: string, version: string, now: number): Match {
  const revision = Number(version);
  const valid = Number.isSafeInteger(revision) && String(revision) === version;
  return [collection, key, BigInt(valid ? revision : -1), now];
}
