import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiskStore } from "@kv/disk";
import { createStorage } from "unstorage";
import fsLiteDriver from "unstorage/drivers/fs-lite";
import { open, seal } from "../envelope.ts";
import { kvClient } from "../kv-client.ts";
import { writeCalls } from "../raw-writes.ts";
import type { Client, Entry, Suite, Value } from "../types.ts";
import { unstorageClient } from "./memory.ts";
import { temporarySuite } from "./temporary.ts";

const RAW = "node:fs (raw, atomic)";

/**
 * The limit for a store of one file per entry: node:fs writing the JSON envelope to a temporary
 * file renamed over the entry's file (atomic, no fsync), and reading it back with `readFile`.
 */
function rawClient(directory: string): Client {
  mkdirSync(directory, { recursive: true });
  const path = (key: string) => join(directory, `${encodeURIComponent(key)}.json`);
  const read = async (key: string) => {
    try {
      return open(await readFile(path(key), "utf8"), Date.now());
    } catch (error) {
      if ((error as { code?: unknown }).code === "ENOENT") return undefined;
      throw error;
    }
  };
  const write = async (key: string, value: Value, ttl?: number) => {
    const temporary = join(directory, `.${randomBytes(6).toString("hex")}.tmp`);
    await writeFile(temporary, seal(value, Date.now(), ttl));
    await rename(temporary, path(key));
  };
  const writeAll = async (entries: readonly Entry[], ttl?: number) => {
    await Promise.all(entries.map(([key, value]) => write(key, value, ttl)));
  };
  return {
    get: read,
    getMany: (keys) => Promise.all(keys.map(read)),
    ...writeCalls(write, writeAll),
    close: async () => {},
  };
}

/** One-file-per-entry stores against node:fs, each in a temporary directory of its own. */
export function diskSuite(): Suite {
  return temporarySuite(
    {
      id: "disk",
      title: "Files on disk",
      baseline: RAW,
      environment: async () => ({ "disk suite directory": tmpdir() }),
    },
    (root) => [
      {
        name: RAW,
        role: "baseline",
        description:
          "writeFile to a temporary file + rename, readFile; same JSON envelope as the Map baseline; no fsync",
        packages: [],
        open: async () => rawClient(join(root, "raw")),
      },
      {
        name: "@kv/disk (fsync: false)",
        role: "kv",
        description:
          "DiskStore({ directory, fsync: false }): atomic writes, no flush to the device",
        packages: ["@kv/disk"],
        open: async () => kvClient(new DiskStore({ directory: join(root, "kv"), fsync: false })),
      },
      {
        name: "@kv/disk (default: fsync)",
        role: "reference",
        description:
          "DiskStore({ directory }): each write flushed to the device before it resolves",
        packages: ["@kv/disk"],
        open: async () => kvClient(new DiskStore({ directory: join(root, "kv-fsync") })),
      },
      {
        name: "unstorage (fs-lite)",
        role: "anchor",
        description: "createStorage() with the fs-lite driver (writeFile in place, no TTL)",
        packages: ["unstorage"],
        unsupported: {
          "put-ttl": "the fs-lite driver has no TTL",
          "put-many-ttl": "the fs-lite driver has no TTL",
        },
        open: async () =>
          unstorageClient(
            createStorage({ driver: fsLiteDriver({ base: join(root, "unstorage") }) }),
          ),
      },
    ],
  );
}
