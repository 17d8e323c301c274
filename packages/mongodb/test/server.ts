import { randomUUID } from "node:crypto";

/** The MongoDB-wire server the tests use. */
export const mongoUrl: string = process.env.KV_MONGODB_URL ?? "mongodb://127.0.0.1:27018";

/** A database name no other test file or run uses (MongoDB allows up to 63 bytes). */
export function freshDatabase(label: string): string {
  return `kv-${label}-${randomUUID().slice(0, 8)}`;
}
