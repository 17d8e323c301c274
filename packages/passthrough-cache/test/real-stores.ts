import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RedisStore } from "@kv/redis";
import { SqliteStore } from "@kv/sqlite";
import { redisUrl } from "../../../scripts/services/require-service.ts";

/** The shared standalone Redis (scripts/services/redis.sh). */
/**
 * Primary stores on real backends: Redis in a namespace of this run, SQLite in temporary files.
 * `dispose()` destroys the namespace (a store the suite closed cannot) and removes the files.
 */
export class RealStores {
  readonly namespace: string = `kv-passthrough-cache-${randomUUID().slice(0, 8)}`;
  private readonly dir = mkdtempSync(join(tmpdir(), "kv-passthrough-cache-"));
  private count = 0;

  /** A RedisStore in this run's namespace. */
  redis(): RedisStore {
    return new RedisStore({ url: redisUrl(), namespace: this.namespace });
  }

  /** A SqliteStore in a new temporary file. */
  sqlite(): SqliteStore {
    return new SqliteStore({ path: join(this.dir, `db-${++this.count}.sqlite`) });
  }

  /** Destroys this run's Redis namespace and removes the temporary files. */
  async dispose(): Promise<void> {
    const store = this.redis();
    await store.destroy();
    await store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
