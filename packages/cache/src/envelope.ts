import type { Value } from "@kv/protocol";

/** The one member of an envelope: `{ "@kv/cache": { ... } }`. */
export const ENVELOPE_FIELD = "@kv/cache";

/** What one cache entry holds: a value, a cached `undefined`, or a cached factory error. */
export type CachedEntry =
  | { kind: "value"; value: unknown; freshUntil: number | undefined }
  | { kind: "undefined"; freshUntil: number | undefined }
  | { kind: "error"; name: string; message: string; freshUntil: number | undefined };

/**
 * The stored form of an entry. A plain object that is fresh until the store expires it is stored
 * as it is; anything else (arrays, strings, numbers, booleans, `null`, a cached `undefined` or
 * error, an entry with a grace period, or an object that looks like an envelope) is wrapped:
 * `{ "@kv/cache": { "value": ..., "fresh_until": <epoch ms> } }`.
 */
export function encodeEntry(entry: CachedEntry): Value {
  if (
    entry.kind === "value" &&
    entry.freshUntil === undefined &&
    isRecord(entry.value) &&
    !isEnvelope(entry.value)
  ) {
    return entry.value;
  }
  const body: Value = {};
  if (entry.kind === "value") body.value = entry.value;
  else if (entry.kind === "undefined") body.undefined = true;
  else body.error = { name: entry.name, message: entry.message };
  if (entry.freshUntil !== undefined) body.fresh_until = entry.freshUntil;
  return { [ENVELOPE_FIELD]: body };
}

/** The entry a stored value holds; a value this package did not wrap is a plain object value. */
export function decodeEntry(stored: Value): CachedEntry {
  const body = isEnvelope(stored) ? stored[ENVELOPE_FIELD] : undefined;
  if (!isRecord(body)) return { kind: "value", value: stored, freshUntil: undefined };
  const freshUntil = typeof body.fresh_until === "number" ? body.fresh_until : undefined;
  if ("value" in body) return { kind: "value", value: body.value, freshUntil };
  if (isRecord(body.error)) {
    const { name, message } = body.error;
    return {
      kind: "error",
      name: typeof name === "string" ? name : "Error",
      message: typeof message === "string" ? message : "",
      freshUntil,
    };
  }
  if (body.undefined === true) return { kind: "undefined", freshUntil };
  return { kind: "value", value: stored, freshUntil: undefined };
}

function isEnvelope(value: Value): boolean {
  let members = 0;
  for (const name in value) {
    if (name !== ENVELOPE_FIELD || ++members > 1) return false;
  }
  return members === 1;
}

function isRecord(value: unknown): value is Value {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
