import { parseDuration } from "./duration.ts";
import {
  InvalidKeyError,
  InvalidTtlError,
  type KeyValueErrorOptions,
  type Operation,
  SerializationError,
} from "./errors.ts";
import type { CollectionOptions, Ttl, Value } from "./key-value.ts";
import type { ManagedEntry } from "./managed-entry.ts";

type Context = Omit<KeyValueErrorOptions, "message" | "cause">;

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const nativeIsWellFormed = (String.prototype as { isWellFormed?: unknown }).isWellFormed;

/**
 * `String.prototype.isWellFormed` (a native scan, Node 20+) called through a fixed reference, like
 * `codeUnitAt`, or a regular expression without it.
 */
const isWellFormed: (text: string) => boolean =
  typeof nativeIsWellFormed === "function"
    ? Function.prototype.call.bind(nativeIsWellFormed)
    : (text) => !loneSurrogate.test(text);

/**
 * Checks a key: a non-empty string of well-formed Unicode (no lone surrogates, which no backend
 * can encode without collisions).
 * @throws InvalidKeyError
 */
export function validateKey(key: unknown, context: Context = {}): asserts key is string {
  checkName(key, "Key", context);
}

/**
 * Checks a collection name, with the same rules as a key.
 * @throws InvalidKeyError
 */
export function validateCollection(
  collection: unknown,
  context: Context = {},
): asserts collection is string {
  checkName(collection, "Collection name", context);
}

function checkName(name: unknown, what: string, context: Context): void {
  if (typeof name !== "string") {
    throw new InvalidKeyError({
      ...context,
      message: `${what} must be a string, got ${typeOf(name)}`,
    });
  }
  if (name.length === 0) {
    throw new InvalidKeyError({ ...context, message: `${what} must not be empty` });
  }
  if (!isWellFormed(name)) {
    throw new InvalidKeyError({ ...context, message: `${what} contains a lone UTF-16 surrogate` });
  }
}

/**
 * Checks the keys of a bulk call: an array of valid keys.
 * @throws TypeError when `keys` is not an array; InvalidKeyError for the first key that is not valid
 */
export function validateKeys(
  keys: unknown,
  context: { operation: Operation; collection: string },
): asserts keys is readonly string[] {
  if (!Array.isArray(keys)) throw new TypeError(`${context.operation} expects an array of keys`);
  for (const key of keys) validateKey(key, context);
}

/**
 * The collection a call targets: `options.collection`, checked, or `fallback` when it names none.
 * @throws InvalidKeyError when the named collection is not a valid name
 */
export function targetCollection(
  options: CollectionOptions | undefined,
  fallback: string,
  operation: Operation,
): string {
  const collection = options?.collection;
  if (collection === undefined) return fallback;
  validateCollection(collection, { operation });
  return collection;
}

/** The longest TTL any store accepts: 100 years, in seconds (expiry stays a valid date everywhere, Python included). */
export const MAX_TTL_SECONDS = 3_155_760_000;

/**
 * Checks a TTL and returns it in seconds: `undefined` (no expiry), a positive, finite number of
 * seconds up to `MAX_TTL_SECONDS`, or a duration string (`"30s"`, `"5m"`, `"2h30m"` — see
 * `parseDuration`) within the same bounds.
 * @throws InvalidTtlError for 0, negatives, NaN, Infinity, more than `MAX_TTL_SECONDS`, text that
 * is not a duration, and other types (booleans ...)
 */
export function resolveTtl(ttl: unknown, context: Context = {}): number | undefined {
  if (ttl === undefined) return undefined;
  const seconds = typeof ttl === "string" ? parseDuration(ttl, context) : ttl;
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds <= 0) {
    throw new InvalidTtlError({
      ...context,
      message: `TTL must be a positive, finite number of seconds, got ${describe(ttl)}`,
    });
  }
  if (seconds > MAX_TTL_SECONDS) {
    throw new InvalidTtlError({
      ...context,
      message: `TTL must be at most ${MAX_TTL_SECONDS} seconds (100 years), got ${describe(ttl)}`,
    });
  }
  return seconds;
}

/**
 * Checks a TTL without converting it: see `resolveTtl`.
 * @throws InvalidTtlError
 */
export function validateTtl(ttl: unknown, context: Context = {}): asserts ttl is Ttl | undefined {
  resolveTtl(ttl, context);
}

/**
 * Checks a managed entry handed in whole: a JSON-safe value, and `createdAt`/`expiresAt` absent
 * or epoch milliseconds, the expiry no further than `MAX_TTL_SECONDS` from `now`.
 * @throws SerializationError for a bad value or timestamp, InvalidTtlError for an expiry too far away
 */
export function validateEntry(entry: unknown, now: number, context: Context = {}): void {
  const { value, createdAt, expiresAt } = (entry ?? {}) as Partial<ManagedEntry>;
  validateValue(value, context);
  for (const [name, time] of [
    ["createdAt", createdAt],
    ["expiresAt", expiresAt],
  ] as const) {
    if (time !== undefined && (typeof time !== "number" || !Number.isFinite(time) || time < 0)) {
      throw new SerializationError({
        ...context,
        message: `${name} must be epoch milliseconds, got ${describe(time)}`,
      });
    }
  }
  if (expiresAt !== undefined && expiresAt - now > MAX_TTL_SECONDS * 1000) {
    throw new InvalidTtlError({
      ...context,
      message: `expiresAt must be at most ${MAX_TTL_SECONDS} seconds away`,
    });
  }
}

/**
 * Checks that a value is a plain object whose contents survive a JSON round trip: strings, finite
 * numbers, booleans, null, arrays and plain objects. Object properties that are `undefined` are
 * allowed and dropped, as JSON does.
 * @throws SerializationError naming the offending path
 */
export function validateValue(value: unknown, context: Context = {}): asserts value is Value {
  if (!isPlainObject(value)) {
    throw new SerializationError({
      ...context,
      message: `Value must be a plain object, got ${typeOf(value)}`,
    });
  }
  if (isJsonSafe(value, 1)) return;
  const problem = findProblem(value);
  if (problem !== undefined) throw new SerializationError({ ...context, message: problem });
}

/**
 * The deepest nesting a value may have: the value itself is level 1, `{ a: { b: 1 } }` has 2.
 * Deeper values get `SerializationError`, so neither JavaScript's nor Python's JSON parser (whose
 * recursion stops near 1 000) ever meets a value too deep to read.
 */
export const MAX_VALUE_DEPTH = 128;

/** The common case, checked without building paths: true when `input` is JSON-safe. */
function isJsonSafe(input: unknown, depth: number): boolean {
  switch (typeof input) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(input);
    case "object": {
      if (input === null) return true;
      if (depth > MAX_VALUE_DEPTH) return false;
      if (Array.isArray(input)) {
        for (let index = 0; index < input.length; index++) {
          if (!isJsonSafe(input[index], depth + 1)) return false;
        }
        return true;
      }
      if (!isPlainObject(input)) return false;
      for (const name in input) {
        const item = input[name];
        if (item !== undefined && !isJsonSafe(item, depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * Finds what makes a value unsafe, with its path, for the error message. Walks with an explicit
 * stack, so no value is deep enough to overflow the call stack.
 */
function findProblem(value: unknown): string | undefined {
  type Step = { input: unknown; path: string; depth: number } | { leave: object };
  const stack: Step[] = [{ input: value, path: "value", depth: 1 }];
  const ancestors = new Set<object>();
  for (let step = stack.pop(); step !== undefined; step = stack.pop()) {
    if ("leave" in step) {
      ancestors.delete(step.leave);
      continue;
    }
    const { input, path, depth } = step;
    if (typeof input === "number") {
      if (!Number.isFinite(input)) return `${path} is ${input}, which JSON cannot hold`;
      continue;
    }
    if (typeof input === "string" || typeof input === "boolean" || input === null) continue;
    if (typeof input !== "object") return `${path} is ${typeOf(input)}, which JSON cannot hold`;
    if (ancestors.has(input)) return `${path} is circular`;
    if (depth > MAX_VALUE_DEPTH) return `${path} is nested deeper than ${MAX_VALUE_DEPTH} levels`;
    if (!Array.isArray(input) && !isPlainObject(input)) {
      return `${path} is ${typeOf(input)}, not a plain object`;
    }
    ancestors.add(input);
    stack.push({ leave: input });
    // Array.from, unlike map, visits the holes of a sparse array (as undefined, which is refused).
    const children: [string, unknown][] = Array.isArray(input)
      ? Array.from(input, (item: unknown, index): [string, unknown] => [`${path}[${index}]`, item])
      : Object.entries(input).map(([name, item]) => [`${path}.${name}`, item]);
    for (let index = children.length - 1; index >= 0; index--) {
      const [childPath, item] = children[index] as [string, unknown];
      if (item !== undefined || Array.isArray(input)) {
        stack.push({ input: item, path: childPath, depth: depth + 1 });
      }
    }
  }
  return undefined;
}

function isPlainObject(input: unknown): input is Record<string, unknown> {
  if (typeof input !== "object" || input === null) return false;
  const prototype: unknown = Object.getPrototypeOf(input);
  return prototype === Object.prototype || prototype === null;
}

function typeOf(input: unknown): string {
  if (input === null) return "null";
  if (Array.isArray(input)) return "an array";
  if (typeof input === "object") return `an instance of ${input.constructor?.name ?? "Object"}`;
  return typeof input;
}

function describe(input: unknown): string {
  return typeof input === "string" ? JSON.stringify(input) : `${String(input)} (${typeof input})`;
}
