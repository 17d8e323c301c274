import {
  InvalidKeyError,
  InvalidTtlError,
  type KeyValueErrorOptions,
  SerializationError,
} from "./errors.ts";
import type { Value } from "./key-value.ts";

type Context = Omit<KeyValueErrorOptions, "message" | "cause">;

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

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
  if (loneSurrogate.test(name)) {
    throw new InvalidKeyError({ ...context, message: `${what} contains a lone UTF-16 surrogate` });
  }
}

/**
 * Checks a TTL: `undefined` (no expiry) or a positive, finite number of seconds.
 * @throws InvalidTtlError for 0, negatives, NaN, Infinity and non-numbers (booleans, strings ...)
 */
export function validateTtl(
  ttl: unknown,
  context: Context = {},
): asserts ttl is number | undefined {
  if (ttl === undefined) return;
  if (typeof ttl !== "number" || !Number.isFinite(ttl) || ttl <= 0) {
    throw new InvalidTtlError({
      ...context,
      message: `TTL must be a positive, finite number of seconds, got ${describe(ttl)}`,
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
  if (isJsonSafe(value, 0)) return;
  const problem = findProblem(value, "value", new Set());
  if (problem !== undefined) throw new SerializationError({ ...context, message: problem });
}

/** The most nesting the fast check follows; deeper (or circular) values take the slow path. */
const fastCheckDepth = 256;

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
      if (depth > fastCheckDepth) return false;
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

/** Finds what makes a value unsafe, with its path, for the error message. */

function findProblem(input: unknown, path: string, ancestors: Set<object>): string | undefined {
  switch (typeof input) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      return Number.isFinite(input) ? undefined : `${path} is ${input}, which JSON cannot hold`;
    case "object": {
      if (input === null) return undefined;
      if (ancestors.has(input)) return `${path} is circular`;
      ancestors.add(input);
      const problem = Array.isArray(input)
        ? findArrayProblem(input, path, ancestors)
        : isPlainObject(input)
          ? findObjectProblem(input, path, ancestors)
          : `${path} is ${typeOf(input)}, not a plain object`;
      ancestors.delete(input);
      return problem;
    }
    default:
      return `${path} is ${typeOf(input)}, which JSON cannot hold`;
  }
}

function findArrayProblem(
  items: readonly unknown[],
  path: string,
  ancestors: Set<object>,
): string | undefined {
  for (let index = 0; index < items.length; index++) {
    const problem = findProblem(items[index], `${path}[${index}]`, ancestors);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function findObjectProblem(
  record: Record<string, unknown>,
  path: string,
  ancestors: Set<object>,
): string | undefined {
  for (const name in record) {
    const item = record[name];
    if (item === undefined) continue;
    const problem = findProblem(item, `${path}.${name}`, ancestors);
    if (problem !== undefined) return problem;
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
