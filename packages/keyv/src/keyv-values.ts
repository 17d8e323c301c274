import { InvalidTtlError, SerializationError, type Value } from "@kv/protocol";

/**
 * The one field of the object that holds a value Keyv hands over that is not itself a JSON
 * object: `{ "__keyv_value__": "<Keyv's serialized text>" }`.
 */
export const KEYV_VALUE_FIELD = "__keyv_value__";

/**
 * The JSON object stored for a value Keyv hands over: a plain object as it is, anything else
 * (Keyv's serialized string above all) as `{ "__keyv_value__": value }`. An object that has that
 * field alone is wrapped too, so reading back always gives what was written.
 * @throws SerializationError for `undefined`
 */
export function toStoredValue(value: unknown, key: string): Value {
  if (value === undefined) {
    throw new SerializationError({ operation: "put", key, message: "Value must not be undefined" });
  }
  return isPlainObject(value) && !isWrapped(value) ? value : { [KEYV_VALUE_FIELD]: value };
}

/** What Keyv wrote, from the stored object: the reverse of `toStoredValue`. */
export function fromStoredValue(value: Value | undefined): unknown {
  if (value === undefined) return undefined;
  return isWrapped(value) ? value[KEYV_VALUE_FIELD] : value;
}

function isWrapped(value: Value): boolean {
  let fields = 0;
  for (const _ in value) if (++fields > 1) return false;
  return fields === 1 && Object.hasOwn(value, KEYV_VALUE_FIELD);
}

function isPlainObject(value: unknown): value is Value {
  if (typeof value !== "object" || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Keyv's TTL in milliseconds as the protocol's seconds: `ms / 1000`. Every store computes an
 * expiry as `now + seconds * 1000`, which is `now + ms` exactly for every whole-millisecond TTL
 * up to the protocol's limit of 100 years. `undefined` and `0` mean no expiry, as in Keyv.
 * @throws InvalidTtlError for a negative, non-finite or non-numeric TTL
 */
export function secondsFromMs(ttlMs: unknown, key: string): number | undefined {
  if (ttlMs === undefined || ttlMs === 0) return undefined;
  if (typeof ttlMs !== "number" || !Number.isFinite(ttlMs) || ttlMs < 0) {
    throw new InvalidTtlError({
      operation: "put",
      key,
      message: `Keyv TTL must be a non-negative, finite number of milliseconds, got ${String(ttlMs)}`,
    });
  }
  return ttlMs / 1000;
}

/**
 * The TTL in milliseconds a raw Keyv record (`{ value, expires }`, written with Keyv's
 * serializer switched off) still has by its absolute `expires`; `undefined` when it has none.
 */
export function msUntilExpires(value: unknown, now: number): number | undefined {
  if (!isPlainObject(value)) return undefined;
  const expires = value.expires;
  return typeof expires === "number" && Number.isFinite(expires) ? expires - now : undefined;
}
