import { randomUUID } from "node:crypto";

export { redisUrl } from "../../../scripts/services/require-service.ts";

/** A Redis namespace no other run uses, so tests can destroy what they wrote. */
export function uniqueNamespace(label: string): string {
  return `kv-${label}-${randomUUID().slice(0, 8)}`;
}
