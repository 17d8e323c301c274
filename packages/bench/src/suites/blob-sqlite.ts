import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { SqliteBlobStore } from "@kv/blob-sqlite";
import Database from "better-sqlite3";
import { blobClient, blobStoreClient, readToEnd } from "../blob-clients.ts";
import { BLOB_WORKLOADS } from "../blob-workloads.ts";
import type { Client, Suite } from "../types.ts";
import { temporarySuite } from "./temporary.ts";

const RAW = "better-sqlite3 chunk rows (raw)";
const CHUNK_BYTES = 512 * 1024;

/** The chunks as a `Readable` gives them, as every subject receives them. */
async function collected(chunks: readonly Uint8Array[]): Promise<Buffer[]> {
  const received: Buffer[] = [];
  for await (const chunk of Readable.from(chunks)) received.push(chunk as Buffer);
  return received;
}

/** A database file as the store makes it: 64 KiB pages, WAL, synchronous = normal. */
function openDatabase(path: string): Database.Database {
  mkdirSync(join(path, ".."), { recursive: true });
  const db = new Database(path);
  db.pragma("page_size = 65536");
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = normal");
  return db;
}

/**
 * The limit: the chunks read from a `Readable` into memory, regrouped into 512 KiB rows of
 * (key, seq), the old rows deleted and the new ones inserted in one transaction; read as a
 * `Readable` over one SELECT iterated in key order.
 */
function rawChunkClient(path: string): Client {
  const db = openDatabase(path);
  db.exec(
    "CREATE TABLE chunks (key TEXT NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (key, seq))",
  );
  const remove = db.prepare("DELETE FROM chunks WHERE key = ?");
  const insert = db.prepare("INSERT INTO chunks (key, seq, data) VALUES (?, ?, ?)");
  const select = db
    .prepare<[string], Buffer>("SELECT data FROM chunks WHERE key = ? ORDER BY seq")
    .pluck();
  const replace = db.transaction((key: string, chunks: readonly Uint8Array[]) => {
    remove.run(key);
    const data = Buffer.concat(chunks);
    for (let offset = 0, seq = 0; offset < data.byteLength || seq === 0; offset += CHUNK_BYTES) {
      insert.run(key, seq++, data.subarray(offset, offset + CHUNK_BYTES));
    }
  });
  return blobClient(
    {
      put: async (key, chunks) => replace.immediate(key, await collected(chunks)),
      read: (key, hash) => readToEnd(Readable.from(select.iterate(key)), hash),
    },
    async () => {
      db.close();
    },
  );
}

/** One BLOB per key, written with INSERT OR REPLACE and read whole. */
function rawSingleClient(path: string): Client {
  const db = openDatabase(path);
  db.exec("CREATE TABLE blobs (key TEXT PRIMARY KEY, data BLOB NOT NULL)");
  const replace = db.prepare("INSERT OR REPLACE INTO blobs (key, data) VALUES (?, ?)");
  const select = db.prepare<[string], Buffer>("SELECT data FROM blobs WHERE key = ?").pluck();
  return blobClient(
    {
      put: async (key, chunks) => replace.run(key, Buffer.concat(await collected(chunks))),
      read: (key, hash) => readToEnd(Readable.from([select.get(key) ?? Buffer.alloc(0)]), hash),
    },
    async () => {
      db.close();
    },
  );
}

/** SqliteBlobStore against raw better-sqlite3 statements, each on a database file of its own. */
export function blobSqliteSuite(): Suite {
  return temporarySuite(
    { id: "blob-sqlite", title: "Blobs in SQLite", baseline: RAW, workloads: BLOB_WORKLOADS },
    (root) => [
      {
        name: RAW,
        role: "baseline",
        description:
          "the Readable collected, then DELETE + INSERT of 512 KiB (key, seq) rows in one BEGIN IMMEDIATE transaction; Readable.from(SELECT … ORDER BY seq iterated)",
        packages: ["better-sqlite3"],
        open: async () => rawChunkClient(join(root, "raw", "chunks.db")),
      },
      {
        name: "@kv/blob-sqlite",
        role: "kv",
        description: "SqliteBlobStore({ path }): put from a Readable, open read to the end",
        packages: ["@kv/blob-sqlite", "better-sqlite3"],
        open: async () =>
          blobStoreClient(new SqliteBlobStore({ path: join(root, "kv", "blobs.db") })),
      },
      {
        name: "better-sqlite3 one BLOB per key",
        role: "reference",
        description:
          "INSERT OR REPLACE of the whole blob (collected in memory); SELECT of it whole, as a Readable",
        packages: ["better-sqlite3"],
        open: async () => rawSingleClient(join(root, "single", "blobs.db")),
      },
    ],
  );
}
