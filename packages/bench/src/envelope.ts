import type { Value } from "./types.ts";

/** The entry envelope the baselines store: the value plus its timestamps in epoch ms. */
interface Envelope {
  value: Value;
  created_at: number;
  expires_at?: number;
}

/** The JSON text of an envelope written at `now`, expiring after `ttlSeconds` when given. */
export function seal(value: Value, now: number, ttlSeconds?: number): string {
  const envelope: Envelope =
    ttlSeconds === undefined
      ? { value, created_at: now }
      : { value, created_at: now, expires_at: now + ttlSeconds * 1000 };
  return JSON.stringify(envelope);
}

/** The value of an envelope's JSON text; `undefined` when absent or expired at `now`. */
export function open(text: string | null | undefined, now: number): Value | undefined {
  if (text === null || text === undefined) return undefined;
  const envelope = JSON.parse(text) as Envelope;
  if (envelope.expires_at !== undefined && envelope.expires_at <= now) return undefined;
  return envelope.value;
}
