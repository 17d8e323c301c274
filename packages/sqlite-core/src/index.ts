export {
  type OpenedConnection,
  type SqliteConnection,
  type SqliteStatement,
  type SqliteTransaction,
  tableNameOf,
} from "./connection.ts";
export { type SqliteTableLayout, SqliteTableStore } from "./sqlite-table-store.ts";
