import { type OpenedConnection, SqliteTableStore } from "@kv/sqlite-core";
import {
  asConnection,
  openDatabase,
  resolveOptions,
  type SqliteSettings,
  type SqliteStoreOptions,
} from "./connection.ts";

/**
 * A store in one SQLite table (better-sqlite3): a row per entry keyed by (collection, key), WAL
 * mode, prepared statements, bulk calls as one statement or one transaction. The atomic
 * operations are one conditional statement each, so they hold across connections and processes.
 */
export class SqliteStore extends SqliteTableStore {
  private readonly settings: SqliteSettings;

  /** @throws TypeError or RangeError when `path`/`client`, `table` or `synchronous` is not acceptable */
  constructor(options: SqliteStoreOptions) {
    const settings = resolveOptions(options);
    super(options, settings);
    this.settings = settings;
  }

  /** The borrowed `client`, or the file of `path` opened in WAL mode. */
  protected openConnection(): OpenedConnection {
    const { client } = this.settings;
    if (client !== undefined) return { connection: asConnection(client), owned: false };
    return { connection: asConnection(openDatabase(this.settings)), owned: true };
  }

  /** A lock another connection holds, or a borrowed connection its owner closed. */
  protected override isTransient(error: unknown): boolean {
    return (
      super.isTransient(error) ||
      (error instanceof TypeError && error.message === "The database connection is not open")
    );
  }
}
