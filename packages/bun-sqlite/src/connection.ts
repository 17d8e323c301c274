import type { Database } from "bun:sqlite";
import type { SqliteConnection, SqliteStatement } from "@kv/sqlite-core";

/**
 * A bun:sqlite connection as the store runs on it: statements answer `undefined` for no row
 * (bun:sqlite answers `null`), and `open` turns false on `close()`.
 */
export function bunConnection(db: Database): SqliteConnection {
  let open = true;
  return {
    get open() {
      return open;
    },
    prepare<Parameters extends unknown[], Row>(sql: string): SqliteStatement<Parameters, Row> {
      const statement = db.prepare<Row, Parameters>(sql);
      return {
        get: (...parameters) => statement.get(...parameters) ?? undefined,
        all: (...parameters) => statement.all(...parameters),
        run: (...parameters) => statement.run(...parameters),
      };
    },
    exec: (sql) => db.exec(sql),
    transaction: (body) => db.transaction(body),
    close() {
      open = false;
      db.close();
    },
  };
}
