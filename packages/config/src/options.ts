import { ConfigError, type ConfigErrorFields, UnknownOptionError } from "./errors.ts";

/** The kind of value an option takes; a list means one of those literal values. */
export type OptionType =
  | "string"
  | "number"
  | "integer"
  | "boolean"
  | "ttl"
  | "object"
  | "array"
  | "any"
  | readonly (string | number | boolean)[];

/** One option of a store or wrapper: its type, and whether it must be given. */
export interface OptionSpec {
  /** What the option accepts. */
  readonly type: OptionType;
  /** Whether the option must be given. @default false */
  readonly required?: boolean | undefined;
}

/** The options a store or wrapper accepts, by camelCase name. */
export type OptionSpecs = Readonly<Record<string, OptionType | OptionSpec>>;

/** Where options come from, for error messages, and the values to redact from them. */
export interface OptionContext {
  /** The configuration file, if any. */
  file?: string | undefined;
  /** The path of the options object, such as `stores.cache.config`. */
  path: string;
  /** Texts never shown in a message (values of `${VAR}` interpolations). */
  secrets?: ReadonlySet<string> | undefined;
}

const secretName = /pass|secret|token|credential|auth|salt|material|^keys?$|apikey/i;
const urlCredentials = /([a-z][a-z0-9+.-]*:\/\/)[^@/\s"]*@/gi;

/** Text with the credentials of every URL in it (`scheme://user:password@`) replaced by `***`. */
export function redactCredentials(text: string): string {
  return text.replace(urlCredentials, "$1***@");
}

/** A value as it may appear in a message: JSON, URL credentials and known secrets replaced by `***`. */
export function show(value: unknown, secrets?: ReadonlySet<string>): string {
  let text: string;
  try {
    text = value === undefined ? "nothing" : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  text = redactCredentials(text);
  for (const secret of secrets ?? []) {
    if (secret.length > 0) text = text.split(secret).join("***");
  }
  return text;
}

/** The value of an option named `name` as shown in a message (`***` for secret-looking names). */
function showOption(name: string, value: unknown, secrets?: ReadonlySet<string>): string {
  return secretName.test(name) ? "***" : show(value, secrets);
}

/** `ttl_clamp` → `ttlClamp`; camelCase names are left as they are. */
export function camelCase(name: string): string {
  return name.replace(/[_-]([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

/** The known name closest to `name` (by edit distance), when it is close enough to be a typo. */
export function closest(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  const lower = name.toLowerCase();
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function join(path: string, name: string): string {
  return path === "" || path.endsWith("?") ? `${path}${name}` : `${path}.${name}`;
}

/**
 * Checks options against their specs: names (snake_case accepted) must be known, required ones
 * present, values of the right type; text from a URL or an interpolation is converted to numbers
 * and booleans where the option wants one.
 * @returns the options with camelCase names and converted values
 * @throws UnknownOptionError for an unknown name (with a "did you mean"), ConfigError for a missing or mistyped value
 */
export function checkOptions(
  values: Readonly<Record<string, unknown>>,
  specs: OptionSpecs,
  context: OptionContext,
  requireAll = true,
): Record<string, unknown> {
  const where: ConfigErrorFields = { file: context.file };
  const result: Record<string, unknown> = {};
  for (const [given, value] of Object.entries(values)) {
    const name = camelCase(given);
    const spec = specs[name];
    if (spec === undefined) {
      const suggestion = closest(name, Object.keys(specs));
      const known = Object.keys(specs);
      throw new UnknownOptionError({
        ...where,
        path: join(context.path, given),
        expected:
          suggestion === undefined
            ? known.length === 0
              ? "no options"
              : `one of ${known.join(", ")}`
            : `a known option (did you mean ${JSON.stringify(suggestion)}?)`,
        found: JSON.stringify(given),
        suggestion,
      });
    }
    const type =
      typeof spec === "object" && !Array.isArray(spec) ? (spec as OptionSpec).type : spec;
    result[name] = convert(value, type as OptionType, () => ({
      ...where,
      path: join(context.path, given),
      found: showOption(name, value, context.secrets),
    }));
  }
  for (const [name, spec] of Object.entries(specs)) {
    const required =
      typeof spec === "object" && !Array.isArray(spec) && (spec as OptionSpec).required;
    if (requireAll && required && result[name] === undefined && values[name] === undefined) {
      const type = (spec as OptionSpec).type;
      throw new ConfigError({
        ...where,
        path: join(context.path, name),
        expected: describeType(type),
        found: "nothing",
      });
    }
  }
  return result;
}

function describeType(type: OptionType): string {
  if (Array.isArray(type)) return `one of ${type.map((item) => JSON.stringify(item)).join(", ")}`;
  switch (type) {
    case "ttl":
      return "a TTL (seconds, or text such as 30s)";
    case "integer":
      return "an integer";
    case "object":
      return "an object";
    case "array":
      return "a list";
    default:
      return `a ${String(type)}`;
  }
}

function convert(value: unknown, type: OptionType, where: () => ConfigErrorFields): unknown {
  const fail = (): never => {
    throw new ConfigError({ ...where(), expected: describeType(type) });
  };
  if (Array.isArray(type)) {
    const match = type.find((item) => item === value || String(item) === value);
    return match === undefined ? fail() : match;
  }
  switch (type) {
    case "any":
      return value;
    case "string":
      return typeof value === "string" ? value : fail();
    case "number":
    case "integer":
    case "ttl": {
      if (type === "ttl" && typeof value === "string" && !/^\s*[\d.]+\s*$/.test(value))
        return value;
      const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
      if (typeof number !== "number" || !Number.isFinite(number)) return fail();
      if (type === "integer" && !Number.isInteger(number)) return fail();
      return number;
    }
    case "boolean":
      if (typeof value === "boolean") return value;
      if (value === "true" || value === "1") return true;
      if (value === "false" || value === "0") return false;
      return fail();
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value) ? value : fail();
    case "array":
      return Array.isArray(value) ? value : fail();
    default:
      return fail();
  }
}
