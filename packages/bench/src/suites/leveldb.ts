import { join } from "node:path";
import { LevelDbStore } from "@kv/leveldb";
import { ClassicLevel } from "classic-level";
import { open, seal } from "../envelope.ts";
import { ownedKvClient } from "../kv-client.ts";
import { type Client, type Suite, TTL_SECONDS } from "../types.ts";
import { temporarySuite } from "./temporary.ts";

const RAW = "classic-level (raw)";

/** The limit: raw classic-level storing the same JSON envelope as the Map baseline. */
async function rawClient(directory: string): Promise<Client> {
  const db = new ClassicLevel<string, string>(directory, { valueEncoding: "utf8" });
  await db.open();
  const batch = (entries: Parameters<Client["putMany"]>[0], ttl?: number) => {
    const now = Date.now();
    return db.batch(
      entries.map(([key, value]) => ({ type: "put", key, value: seal(value, now, ttl) }) as const),
    );
  };
  return {
    get: async (key) => open(await db.get(key), Date.now()),
    getMany: async (keys) => {
      const texts = await db.getMany(keys as string[]);
      const now = Date.now();
      return texts.map((text) => open(text, now));
    },
    put: (key, value) => db.put(key, seal(value, Date.now())),
    putTtl: (key, value) => db.put(key, seal(value, Date.now(), TTL_SECONDS)),
    putMany: (entries) => batch(entries),
    putManyTtl: (entries) => batch(entries, TTL_SECONDS),
    close: () => db.close(),
  };
}

/** LevelDB stores against raw classic-level, each in a temporary directory of its own. */
export function leveldbSuite(): Suite {
  return temporarySuite({ id: "leveldb", title: "LevelDB", baseline: RAW }, (root) => [
    {
      name: RAW,
      role: "baseline",
      description: "get/put, getMany/batch; same JSON envelope as the Map baseline",
      packages: ["classic-level"],
      open: () => rawClient(join(root, "raw")),
    },
    {
      name: "@kv/leveldb",
      role: "kv",
      description: "LevelDbStore({ location }) with its defaults",
      packages: ["@kv/leveldb", "classic-level"],
      open: async () => ownedKvClient(new LevelDbStore({ location: join(root, "kv") })),
    },
  ]);
}
