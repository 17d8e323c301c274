import { readFile } from "node:fs/promises";
import { type KeyValue, supportsClose } from "@kv/protocol";
import { parseDocument } from "yaml";
import type { BaseShape, StoreDefinition, WrapperBases, WrapperDefinition } from "./definitions.ts";
import {
  ConfigCycleError,
  ConfigError,
  ConfigSyntaxError,
  MissingVariableError,
  UnknownOptionError,
  UnknownTypeError,
} from "./errors.ts";
import type { ImportModule } from "./load.ts";
import { checkOptions, closest, show } from "./options.ts";
import {
  registeredStores,
  registeredWrappers,
  storeDefinition,
  wrapperDefinition,
} from "./registry.ts";
import { openParsed, parseStoreUrl, type UrlWrapper } from "./url.ts";

/** Options of `loadConfig`. */
export interface LoadConfigOptions {
  /** The variables `${VAR}` reads. @default process.env */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** The name messages give a configuration passed as an object. @default none */
  file?: string | undefined;
  /** Imports store and wrapper packages (see `OpenStoreOptions.importModule`). @default import() */
  importModule?: ImportModule | undefined;
}

/** The stores a configuration made. */
export interface LoadedConfig {
  /** The store named by `main`. */
  main: KeyValue;
  /** Every store of the configuration, by name (a store used by several others is made once). */
  stores: Readonly<Record<string, KeyValue>>;
  /** Closes every store no other store wraps (wrappers close what they wrap). */
  close(): Promise<void>;
}

type Plain = Record<string, unknown>;

/** One entry of `stores:`, checked. */
interface Entry {
  name: string;
  /** The store, or the wrapper, it makes. */
  store?: StoreDefinition | undefined;
  wrapper?: WrapperDefinition | undefined;
  /** The store type a `url:` names. */
  urlType?: string | undefined;
  /** The wrappers the `url:`'s query names, innermost first. */
  urlWrappers?: readonly UrlWrapper[] | undefined;
  options: Plain;
  /** The names of the stores it wraps, in the shape the wrapper takes. */
  base: string | string[] | Record<string, string> | undefined;
}

const topKeys = ["stores", "main"];
const entryKeys = ["type", "url", "base", "config"];

const isPlain = (value: unknown): value is Plain =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Reads a configuration (a YAML or JSON file, or the same as an object), checks all of it,
 * then makes every store it names, wrappers around their bases, and returns them with `main`.
 * Nothing connects before the whole configuration is known to be valid.
 * @throws ConfigSyntaxError for a file that is not YAML/JSON (with its line), MissingVariableError
 * for `${VAR}` without a value or default, UnknownTypeError, UnknownOptionError or ConfigError for
 * a wrong entry, ConfigCycleError when bases refer to each other in a circle, MissingPackageError
 * when a store's or wrapper's package is not installed
 */
export async function loadConfig(
  fileOrObject: string | Readonly<Record<string, unknown>>,
  options: LoadConfigOptions = {},
): Promise<LoadedConfig> {
  const file = typeof fileOrObject === "string" ? fileOrObject : options.file;
  const raw = typeof fileOrObject === "string" ? await readConfigFile(fileOrObject) : fileOrObject;
  const secrets = new Set<string>();
  const document = interpolate(raw, "", options.env ?? process.env, secrets, file);
  const entries = check(document, file, secrets);
  return await build(entries, (document as Plain).main as string, file, secrets, options);
}

async function readConfigFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new ConfigError({
      file,
      expected: "a readable file",
      found: String((error as Error).message),
      cause: error,
    });
  }
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const problem = document.errors[0];
  if (problem !== undefined) {
    const [line, column] = [problem.linePos?.[0]?.line, problem.linePos?.[0]?.col];
    throw new ConfigSyntaxError({
      file:
        line === undefined ? file : `${file}:${line}${column === undefined ? "" : `:${column}`}`,
      expected: "valid YAML or JSON",
      found: (problem.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, ""),
      line,
      column,
      cause: problem,
    });
  }
  return document.toJS();
}

const variable = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces `${VAR}` and `${VAR:-default}` in every string; values taken from `env` become secrets. */
function interpolate(
  value: unknown,
  path: string,
  env: Readonly<Record<string, string | undefined>>,
  secrets: Set<string>,
  file: string | undefined,
): unknown {
  if (typeof value === "string") {
    return value.replace(variable, (_, name: string, fallback: string | undefined) => {
      const found = env[name];
      if (found !== undefined && found !== "") {
        secrets.add(found);
        return found;
      }
      if (fallback !== undefined) return fallback;
      throw new MissingVariableError({
        file,
        path,
        variable: name,
        expected: `the environment variable ${name} to be set (or \${${name}:-default})`,
        found: "it is not set",
      });
    });
  }
  if (Array.isArray(value)) {
    return value.map((item, index) => interpolate(item, `${path}[${index}]`, env, secrets, file));
  }
  if (isPlain(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        interpolate(item, path === "" ? key : `${path}.${key}`, env, secrets, file),
      ]),
    );
  }
  return value;
}

/** @throws UnknownOptionError for the field (or role) `key` under `path`, with a did-you-mean */
function unknownKey(
  key: string,
  known: readonly string[],
  path: string,
  file: string | undefined,
  kind: "field" | "role" = "field",
): never {
  const suggestion = closest(key, known);
  throw new UnknownOptionError({
    file,
    path: path === "" ? key : `${path}.${key}`,
    expected:
      suggestion === undefined
        ? `one of ${known.join(", ")}`
        : `a known ${kind} (did you mean ${JSON.stringify(suggestion)}?)`,
    found: JSON.stringify(key),
    suggestion,
  });
}

/** Checks the whole configuration; returns its entries in the order given. */
function check(
  document: unknown,
  file: string | undefined,
  secrets: ReadonlySet<string>,
): Map<string, Entry> {
  const fail = (path: string, expected: string, found: unknown): never => {
    throw new ConfigError({ file, path, expected, found: show(found, secrets) });
  };
  if (!isPlain(document)) return fail("", "an object with stores and main", document);
  for (const key of Object.keys(document))
    if (!topKeys.includes(key)) unknownKey(key, topKeys, "", file);
  const { stores } = document;
  if (!isPlain(stores) || Object.keys(stores).length === 0) {
    return fail("stores", "an object naming at least one store", stores);
  }
  const names = Object.keys(stores);
  const reference = (name: unknown, path: string): string => {
    if (typeof name === "string" && names.includes(name)) return name;
    const suggestion = typeof name === "string" ? closest(name, names) : undefined;
    return fail(
      path,
      suggestion === undefined
        ? `the name of a store (${names.join(", ")})`
        : `the name of a store (did you mean ${JSON.stringify(suggestion)}?)`,
      name,
    );
  };
  const entries = new Map<string, Entry>();
  for (const [name, value] of Object.entries(stores)) {
    const path = `stores.${name}`;
    if (!isPlain(value)) return fail(path, "an object with type (or url), base and config", value);
    for (const key of Object.keys(value))
      if (!entryKeys.includes(key)) unknownKey(key, entryKeys, path, file);
    const config = value.config ?? {};
    if (!isPlain(config)) return fail(`${path}.config`, "an object of options", config);
    const entry: Entry = { name, options: {}, base: undefined };
    let fromUrl: Plain = {};
    if (value.url !== undefined) {
      if (typeof value.url !== "string") return fail(`${path}.url`, "a store URL", value.url);
      if (value.type !== undefined) {
        return fail(`${path}.type`, "no type beside url (the URL names the store)", value.type);
      }
      const parsed = parseStoreUrl(value.url, { file, path: `${path}.url`, secrets });
      entry.urlType = parsed.type;
      entry.urlWrappers = parsed.wrappers;
      entry.store = storeDefinition(parsed.type);
      fromUrl = parsed.options;
    } else {
      const type = value.type;
      if (typeof type !== "string") {
        return fail(`${path}.type`, "the name of a store or wrapper", type);
      }
      entry.store = storeDefinition(type);
      entry.wrapper = entry.store === undefined ? wrapperDefinition(type) : undefined;
      if (entry.store === undefined && entry.wrapper === undefined) {
        const known = [...registeredStores(), ...registeredWrappers()];
        const suggestion = closest(type, known);
        throw new UnknownTypeError({
          file,
          path: `${path}.type`,
          expected:
            suggestion === undefined
              ? `a registered store or wrapper (${known.join(", ")})`
              : `a registered store or wrapper (did you mean ${JSON.stringify(suggestion)}?)`,
          found: JSON.stringify(type),
        });
      }
    }
    const specs = (entry.store ?? entry.wrapper)?.options;
    if (specs === undefined) entry.options = { ...fromUrl, ...config };
    else {
      const part = (values: Plain, at: string): Plain =>
        checkOptions(values, specs, { file, path: at, secrets }, false);
      entry.options = { ...part(fromUrl, `${path}.url?`), ...part(config, `${path}.config`) };
      checkOptions(entry.options, specs, { file, path: `${path}.config`, secrets });
    }
    if (entry.store !== undefined) {
      if (value.base !== undefined)
        return fail(`${path}.base`, "no base (a store wraps nothing)", value.base);
    } else {
      entry.base = checkBase(value.base, entry.wrapper?.bases ?? "one", `${path}.base`, {
        file,
        reference,
        fail,
      });
    }
    entries.set(name, entry);
  }
  if (typeof document.main !== "string")
    return fail("main", `the name of a store (${names.join(", ")})`, document.main);
  reference(document.main, "main");
  findCycle(entries, file);
  return entries;
}

/** How `checkBase` reports: the file, a check of a store name, a failure at a path. */
interface BaseChecks {
  file: string | undefined;
  reference: (name: unknown, path: string) => string;
  fail: (path: string, expected: string, found: unknown) => never;
}

function checkBase(
  base: unknown,
  shape: BaseShape,
  path: string,
  { file, reference, fail }: BaseChecks,
): Entry["base"] {
  if (shape === "one") {
    if (typeof base !== "string") return fail(path, "the name of one store", base);
    return reference(base, path);
  }
  if (shape === "list") {
    const list = typeof base === "string" ? [base] : base;
    if (!Array.isArray(list) || list.length === 0) return fail(path, "a list of store names", base);
    return list.map((name, index) => reference(name, `${path}[${index}]`));
  }
  const roles = shape.filter((role) => role !== "*");
  const open = shape.includes("*");
  const expected = `${open ? "named stores with at least" : "named stores"} ${roles.join(", ")}${open ? "" : " (or a list in that order)"}`;
  if (Array.isArray(base) && !open) {
    if (base.length !== roles.length) return fail(path, expected, base);
    return Object.fromEntries(
      roles.map((role, index) => [role, reference(base[index], `${path}[${index}]`)]),
    );
  }
  if (!isPlain(base)) return fail(path, expected, base);
  const result: Record<string, string> = {};
  for (const role of roles) {
    if (base[role] === undefined) return fail(`${path}.${role}`, "the name of a store", undefined);
  }
  for (const [role, name] of Object.entries(base)) {
    if (!open && !roles.includes(role)) unknownKey(role, roles, path, file, "role");
    result[role] = reference(name, `${path}.${role}`);
  }
  return result;
}

function basesOf(entry: Entry): string[] {
  const { base } = entry;
  if (base === undefined) return [];
  if (typeof base === "string") return [base];
  return Array.isArray(base) ? base : Object.values(base);
}

/** @throws ConfigCycleError naming the stores around the first circle found */
function findCycle(entries: ReadonlyMap<string, Entry>, file: string | undefined): void {
  const done = new Set<string>();
  const visit = (name: string, trail: string[]): void => {
    if (done.has(name)) return;
    const at = trail.indexOf(name);
    if (at !== -1) {
      const cycle = [...trail.slice(at), name];
      throw new ConfigCycleError({
        file,
        path: `stores.${trail[trail.length - 1]}.base`,
        cycle,
        expected: "bases that do not refer back to the store",
        found: `the circle ${cycle.join(" → ")}`,
      });
    }
    for (const base of basesOf(entries.get(name) as Entry)) visit(base, [...trail, name]);
    done.add(name);
  };
  for (const name of entries.keys()) visit(name, []);
}

async function build(
  entries: ReadonlyMap<string, Entry>,
  main: string,
  file: string | undefined,
  secrets: ReadonlySet<string>,
  { importModule }: LoadConfigOptions,
): Promise<LoadedConfig> {
  const made = new Map<string, KeyValue>();
  const make = async (name: string): Promise<KeyValue> => {
    const existing = made.get(name);
    if (existing !== undefined) return existing;
    const entry = entries.get(name) as Entry;
    let store: KeyValue;
    if (entry.urlType !== undefined) {
      store = await openParsed(
        { type: entry.urlType, options: entry.options, wrappers: entry.urlWrappers },
        { importModule },
        { file, path: `stores.${name}.config`, secrets },
      );
    } else if (entry.store !== undefined) {
      store = await entry.store.create(entry.options, { importModule });
    } else {
      const { base } = entry;
      let bases: WrapperBases;
      if (typeof base === "string") bases = await make(base);
      else if (Array.isArray(base)) {
        const list: KeyValue[] = [];
        for (const item of base) list.push(await make(item));
        bases = list;
      } else {
        const named: Record<string, KeyValue> = {};
        for (const [role, item] of Object.entries(base ?? {})) named[role] = await make(item);
        bases = named;
      }
      store = await (entry.wrapper as WrapperDefinition).create(bases, entry.options, {
        importModule,
      });
    }
    made.set(name, store);
    return store;
  };
  const wrapped = new Set([...entries.values()].flatMap(basesOf));
  const close = async (): Promise<void> => {
    const tops = [...made].filter(([name]) => !wrapped.has(name)).map(([, store]) => store);
    const outcomes = await Promise.allSettled(
      tops.map((store) => (supportsClose(store) ? store.close() : undefined)),
    );
    const failure = outcomes.find((outcome) => outcome.status === "rejected");
    if (failure !== undefined) throw failure.reason;
  };
  try {
    for (const name of entries.keys()) await make(name);
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
  return { main: made.get(main) as KeyValue, stores: Object.fromEntries(made), close };
}
