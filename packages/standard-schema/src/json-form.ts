import { MAX_VALUE_DEPTH } from "@kv/protocol";

/**
 * The form of a model that is stored: a copy in which every valid `Date` inside plain objects and
 * arrays is its ISO-8601 string (`toISOString()`: UTC, milliseconds, `Z`), as `JSON.stringify`
 * writes it. Anything else JSON cannot hold is left for the store's check to name; so is nesting
 * past `MAX_VALUE_DEPTH`, which ends the walk (so no value overflows the stack).
 */
export function toJsonForm(value: unknown, depth = 1): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? value : value.toISOString();
  if (typeof value !== "object" || value === null || depth > MAX_VALUE_DEPTH) return value;
  if (Array.isArray(value)) return value.map((item) => toJsonForm(item, depth + 1));
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  const copy: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(value)) copy[name] = toJsonForm(item, depth + 1);
  return copy;
}

/**
 * True when two values in their JSON form hold the same data (object key order aside). Past
 * `MAX_VALUE_DEPTH` it answers `true`: the store refuses such a value anyway, and says why.
 */
export function sameJson(left: unknown, right: unknown, depth = 1): boolean {
  if (left === right || depth > MAX_VALUE_DEPTH) return true;
  if (typeof left !== "object" || typeof right !== "object" || left === null || right === null) {
    return false;
  }
  if (Array.isArray(left) !== Array.isArray(right)) return false;
  const leftEntries = Object.entries(left).filter(([, item]) => item !== undefined);
  const rightRecord = right as Record<string, unknown>;
  const rightCount = Object.values(right).filter((item) => item !== undefined).length;
  return (
    leftEntries.length === rightCount &&
    leftEntries.every(([name, item]) => sameJson(item, rightRecord[name], depth + 1))
  );
}
