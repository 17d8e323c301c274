import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RedisStore } from "@kv/redis";
import { SqliteStore } from "@kv/sqlite";
import { redisUrl } from "../../../scripts/services/require-service.ts";

/** The shared standalone Redis (scripts/services/redis.sh). */
/**
 * Real Redis stores in namespaces of this run, and SQLite stores in temporary files; `dispose()`
 * destroys every namespace it handed out (a store the suite closed cannot) and removes the files.
 */
export class RealStores {
  private readonly run = randomUUID().slice(0, 8);
  private readonly dir = mkdtempSync(join(tmpdir(), "kv-routing-"));
  private readonly namespaces = new Set<string>();
  private count = 0;

  /** A RedisStore in the namespace `<label>` of this run (the same namespace for the same label). */
  redis(label: string): RedisStore {
    const namespace = `kv-routing-${this.run}-${label}`;
    this.namespaces.add(namespace);
    return new RedisStore({ url: redisUrl(), namespace });
  }

  /** A SqliteStore in a new temporary file. */
  sqlite(): SqliteStore {
    return new SqliteStore({ path: join(this.dir, `db-${++this.count}.sqlite`) });
  }

  /** Destroys every namespace handed out and removes the temporary files. */
  async dispose(): Promise<void> {
    for (const namespace of this.namespaces) {
      const store = new RedisStore({ url: redisUrl(), namespace });
      await store.destroy();
      await store.close();
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
