import type { SqliteConnection } from "./connection.ts";

/** Rows written: one per entry, keyed by (collection, key); timestamps are epoch ms. */
function tableSql(table: string): string {
  return `CREATE TABLE IF NOT EXISTS "${table}" (
  collection TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  created_at INTEGER,
  expires_at INTEGER,
  version INTEGER NOT NULL DEFAULT 1,
  revision INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (collection, key)
)`;
}

/**
 * Creates the table, or adds the `revision` column to a table made before it existed (its rows
 * start at revision 0; the change runs in a write transaction, so concurrent setups do not race).
 * Then keeps the index on `expires_at` (only rows that expire) when `indexExpiry` is true, drops
 * one an earlier configuration made when it is false, and leaves the index as it is when it is
 * `undefined`.
 */
export function createSchema(
  connection: SqliteConnection,
  table: string,
  indexExpiry: boolean | undefined,
): void {
  const t = `"${table}"`;
  const index = `"${table}_expires_at"`;
  const hasRevision = () =>
    connection
      .prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}')`)
      .all()
      .some((column) => column.name === "revision");
  connection.exec(tableSql(table));
  if (!hasRevision()) {
    connection
      .transaction(() => {
        if (!hasRevision())
          connection.exec(`ALTER TABLE ${t} ADD COLUMN revision INTEGER NOT NULL DEFAULT 0`);
      })
      .immediate();
  }
  if (indexExpiry === undefined) return;
  connection.exec(
    indexExpiry
      ? `CREATE INDEX IF NOT EXISTS ${index} ON ${t} (expires_at) WHERE expires_at IS NOT NULL`
      : `DROP INDEX IF EXISTS ${index}`,
  );
}
