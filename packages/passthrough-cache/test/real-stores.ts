import { RealStores } from "@kv/conformance";
import { RedisStore } from "@kv/redis";
import { SqliteStore } from "@kv/sqlite";
import { redisUrl } from "../../../scripts/services/require-service.ts";

/** Redis stores (scripts/services/redis.sh) in namespaces of this run, SQLite in temporary files. */
export function realStores(): RealStores<RedisStore, SqliteStore> {
  return new RealStores({
    name: "kv-passthrough-cache",
    inNamespace: (namespace) => new RedisStore({ url: redisUrl(), namespace }),
    inFile: (path) => new SqliteStore({ path }),
  });
}
