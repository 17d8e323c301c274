import { randomUUID } from "node:crypto";
import type { KeyValue } from "@kv/protocol";

/** Application code: login sessions that expire. It knows `KeyValue`, never a backend. */
export function sessions(store: KeyValue, ttlSeconds = 3600) {
  const collection = "sessions";
  return {
    async start(user: string): Promise<string> {
      const id = randomUUID();
      await store.put(id, { user, startedAt: Date.now() }, { collection, ttl: ttlSeconds });
      return id;
    },
    async user(id: string): Promise<string | undefined> {
      const session = await store.get(id, { collection });
      return typeof session?.user === "string" ? session.user : undefined;
    },
    async end(id: string): Promise<boolean> {
      return store.delete(id, { collection });
    },
  };
}
