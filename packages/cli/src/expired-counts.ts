import { createRequire } from "node:module";
import { parseStoreUrl } from "@kv/config";

/** Expired entries the backend still holds, per collection (a collection without any is absent). */
export type ExpiredCounts = ReadonlyMap<string, number>;

interface SqliteDatabase {
  prepare(sql: string): { all(...parameters: unknown[]): unknown[] };
  close(): void;
}
type SqliteConstructor = new (
  path: string,
  options: { readonly: boolean; fileMustExist: boolean },
) => SqliteDatabase;

/**
 * SQLite keeps expired rows until `cull()`, and its file can be read beside the store: one
 * `GROUP BY` over the rows whose `expires_at` has passed.
 */
function sqliteExpired(options: Record<string, unknown>): ExpiredCounts | undefined {
  const path = options.path;
  const table = options.table ?? "kv_entries";
  if (typeof path !== "string" || path === ":memory:" || typeof table !== "string")
    return undefined;
  if (!/^\w+$/.test(table)) return undefined;
  const fromCli = createRequire(import.meta.url);
  const Database = createRequire(fromCli.resolve("@kv/sqlite"))(
    "better-sqlite3",
  ) as SqliteConstructor;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare(
        `SELECT collection, COUNT(*) AS n FROM "${table}" WHERE expires_at IS NOT NULL AND expires_at <= ? GROUP BY collection`,
      )
      .all(Date.now()) as { collection: string; n: number }[];
    return new Map(rows.map((row) => [row.collection, row.n]));
  } finally {
    db.close();
  }
}

const probes: Readonly<
  Record<string, (options: Record<string, unknown>) => ExpiredCounts | undefined>
> = {
  sqlite: sqliteExpired,
};

/**
 * The expired entries not yet culled, per collection, where the backend lets them be counted
 * (a SQLite file); undefined where it cannot tell (the store's reads hide them), so the caller
 * says "unknown" rather than guessing. Only plain store URLs are probed: wrappers in the
 * query or a configuration file may rename collections.
 */
export function expiredCounts(argument: string): ExpiredCounts | undefined {
  try {
    const parsed = parseStoreUrl(argument);
    if ((parsed.wrappers?.length ?? 0) > 0) return undefined;
    return probes[parsed.type]?.(parsed.options);
  } catch {
    return undefined;
  }
}
