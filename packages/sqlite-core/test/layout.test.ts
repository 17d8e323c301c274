import { DeserializationError } from "@kv/protocol";
import { type SqliteConnection, tableNameOf } from "@kv/sqlite-core";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { countLive, revisionOf, toEntry, toRow } from "../src/rows.ts";
import { createSchema } from "../src/schema.ts";

describe("table names", () => {
  it("defaults to kv_entries and accepts plain identifiers", () => {
    expect(tableNameOf(undefined)).toBe("kv_entries");
    expect(tableNameOf("_cache_2")).toBe("_cache_2");
  });

  it.each(["", "2fast", "x; DROP TABLE y", 'a"b', "naïve"])("refuses %j", (table) => {
    expect(() => tableNameOf(table)).toThrow(RangeError);
  });
});

describe("rows", () => {
  it("writes the value as JSON and absent timestamps as NULL", () => {
    expect(toRow("k", { value: { n: 1 }, createdAt: 5, expiresAt: undefined })).toEqual([
      "k",
      '{"n":1}',
      5,
      null,
    ]);
  });

  it("reads a row back into the entry it was written from", () => {
    const row = { key: "k", value: '{"n":1}', created_at: 5, expires_at: null };
    expect(toEntry(row, "c")).toEqual({ value: { n: 1 }, createdAt: 5, expiresAt: undefined });
  });

  it.each(["[1, 2]", "7", "null", "{not json"])(
    "refuses the stored value %s with DeserializationError naming collection and key",
    (value) => {
      const row = { key: "k1", value, created_at: null, expires_at: null };
      const error = (() => {
        try {
          return toEntry(row, "c1");
        } catch (caught) {
          return caught;
        }
      })();
      expect(DeserializationError.isInstance(error)).toBe(true);
      expect((error as Error).message).toContain("k1");
      expect((error as Error).message).toContain("c1");
    },
  );

  it("counts only the deleted rows that were live", () => {
    const rows = [{ expires_at: null }, { expires_at: 100 }, { expires_at: 101 }];
    expect(countLive(rows, 100)).toBe(2);
  });
});

describe("version tokens", () => {
  it("name the revision they spell", () => {
    expect(revisionOf("0")).toBe(0n);
    expect(revisionOf("4503599627370495")).toBe(4503599627370495n);
  });

  it.each(["", "x", "01", "1.0", "1e3", " 1", "-0", "9007199254740993"])(
    "name no row for %j, a token the store never gave out",
    (version) => {
      expect(revisionOf(version)).toBe(-1n);
    },
  );
});

describe("schema", () => {
  const indexesOf = (db: Database.Database) =>
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").all();

  it("keeps, drops or leaves the expiry index as indexExpiry says", () => {
    const db = new Database(":memory:");
    const connection = db as SqliteConnection;
    createSchema(connection, "kv_entries", true);
    expect(indexesOf(db)).toEqual([{ name: "kv_entries_expires_at" }]);
    createSchema(connection, "kv_entries", undefined);
    expect(indexesOf(db)).toEqual([{ name: "kv_entries_expires_at" }]);
    createSchema(connection, "kv_entries", false);
    expect(indexesOf(db)).toEqual([]);
    db.close();
  });
});
