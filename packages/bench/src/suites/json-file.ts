import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JsonFileStore } from "@kv/json-file";
import { kvClient } from "../kv-client.ts";
import { writeCalls } from "../raw-writes.ts";
import type { Client, Entry, Suite, Value } from "../types.ts";
import { temporarySuite } from "./temporary.ts";

const RAW = "node:fs (raw, one JSON document)";

/** What the raw client keeps per key: the value plus its timestamps in epoch ms. */
interface Envelope {
  value: Value;
  created_at: number;
  expires_at?: number;
}

/**
 * The limit for a store of one JSON document: node:fs reading the whole document with `readFile`
 * on every call, and writing it back pretty-printed to a temporary file renamed over the
 * document (atomic, no fsync, no lock). Every read parses the document; every write reads it
 * first, so a change another writer made in between is kept.
 */
function rawClient(directory: string): Client {
  mkdirSync(directory, { recursive: true });
  const path = join(directory, "default_collection.json");
  const readDocument = async (): Promise<Record<string, Envelope>> => {
    try {
      return JSON.parse(await readFile(path, "utf8")) as Record<string, Envelope>;
    } catch (error) {
      if ((error as { code?: unknown }).code === "ENOENT") return {};
      throw error;
    }
  };
  const live = (envelope: Envelope | undefined, now: number) =>
    envelope === undefined || (envelope.expires_at !== undefined && envelope.expires_at <= now)
      ? undefined
      : envelope.value;
  const writeAll = async (entries: readonly Entry[], ttl?: number) => {
    const document = await readDocument();
    const now = Date.now();
    for (const [key, value] of entries) {
      document[key] =
        ttl === undefined
          ? { value, created_at: now }
          : { value, created_at: now, expires_at: now + ttl * 1000 };
    }
    const temporary = join(directory, `.${randomBytes(6).toString("hex")}.tmp`);
    await writeFile(temporary, `${JSON.stringify(document, null, 2)}\n`);
    await rename(temporary, path);
  };
  return {
    get: async (key) => live((await readDocument())[key], Date.now()),
    getMany: async (keys) => {
      const document = await readDocument();
      const now = Date.now();
      return keys.map((key) => live(document[key], now));
    },
    ...writeCalls((key, value, ttl) => writeAll([[key, value]], ttl), writeAll),
    close: async () => {},
  };
}

/** One-JSON-file-per-collection stores against node:fs, each in a temporary directory of its own. */
export function jsonFileSuite(): Suite {
  return temporarySuite(
    {
      id: "json-file",
      title: "One JSON file per collection",
      baseline: RAW,
      environment: async () => ({ "json-file suite directory": tmpdir() }),
    },
    (root) => [
      {
        name: RAW,
        role: "baseline",
        description:
          "readFile + JSON.parse of the whole document per call; writes read it, then writeFile (pretty-printed) to a temporary file + rename; no fsync, no lock",
        packages: [],
        open: async () => rawClient(join(root, "raw")),
      },
      {
        name: "@kv/json-file (fsync: false)",
        role: "kv",
        description:
          "JsonFileStore({ directory, fsync: false }): reads stat the file and reuse its parsed entries; writes take the file's lock, rewrite it atomically, queued writes together",
        packages: ["@kv/json-file"],
        open: async () =>
          kvClient(new JsonFileStore({ directory: join(root, "kv"), fsync: false })),
      },
      {
        name: "@kv/json-file (default: fsync)",
        role: "reference",
        description:
          "JsonFileStore({ directory }): each rewrite and its directory flushed to the device before it resolves",
        packages: ["@kv/json-file"],
        open: async () => kvClient(new JsonFileStore({ directory: join(root, "kv-fsync") })),
      },
    ],
  );
}
