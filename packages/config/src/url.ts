import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { KeyValue } from "@kv/protocol";
import { builtinStoreOptions } from "./builtins.ts";
import type { CreateContext } from "./definitions.ts";
import { ConfigError, UnknownOptionError, UnknownTypeError } from "./errors.ts";
import type { ImportModule } from "./load.ts";
import { camelCase, checkOptions, closest, show } from "./options.ts";
import {
  registeredStores,
  registeredWrappers,
  storeDefinition,
  wrapperDefinition,
} from "./registry.ts";

/** A store URL taken apart: the registered store it names and that store's raw options. */
export interface ParsedStoreUrl {
  /** The registry name of the store (`redis`, `disk` …). */
  type: string;
  /** The options from the URL's parts and its query parameters, not yet checked. */
  options: Record<string, unknown>;
  /** The wrappers the query names, innermost first, with their checked options. */
  wrappers?: readonly UrlWrapper[] | undefined;
}

/** A wrapper named in a URL's query (`?retry=3`, `?ttl_clamp.max_ttl=1h`), and its options. */
export interface UrlWrapper {
  /** The registry name of the wrapper (`retry`, `ttl-clamp` …). */
  type: string;
  /** Its options, checked and converted. */
  options: Record<string, unknown>;
}

/** Where a URL came from, for messages. */
export interface UrlContext {
  /** The configuration file the URL is in. */
  file?: string | undefined;
  /** The path of the URL inside the configuration. @default "url" */
  path?: string | undefined;
  /** Texts never shown in a message. */
  secrets?: ReadonlySet<string> | undefined;
}

/** The schemes `openStore` understands, and the store each opens. */
export const URL_SCHEMES: Readonly<Record<string, string>> = {
  memory: "memory",
  null: "null",
  file: "disk",
  disk: "disk",
  leveldb: "leveldb",
  sqlite: "sqlite",
  redis: "redis",
  rediss: "redis",
  mongodb: "mongodb",
  "mongodb+srv": "mongodb",
  dynamodb: "dynamodb",
  elasticsearch: "elasticsearch",
  "elasticsearch+https": "elasticsearch",
  http: "elasticsearch",
  https: "elasticsearch",
  postgres: "postgres",
  postgresql: "postgres",
  memcached: "memcached",
  etcd: "etcd",
  "etcd+https": "etcd",
  "json-file": "json-file",
  s3: "s3",
};

/** Connection-string options the MongoDB driver reads itself; they stay in the URL. */
const mongoDriverOptions = new Set(
  "appName authMechanism authMechanismProperties authSource compressors connectTimeoutMS directConnection heartbeatFrequencyMS journal loadBalanced localThresholdMS maxIdleTimeMS maxPoolSize maxConnecting maxStalenessSeconds minPoolSize readConcernLevel readPreference readPreferenceTags replicaSet retryReads retryWrites serverSelectionTimeoutMS socketTimeoutMS srvMaxHosts srvServiceName ssl tls tlsAllowInvalidCertificates tlsAllowInvalidHostnames tlsCAFile tlsCertificateKeyFile tlsCertificateKeyFilePassword tlsInsecure w wtimeoutMS zlibCompressionLevel".split(
    " ",
  ),
);

/** Connection-string parameters pg reads itself; they stay in the URL. */
const postgresDriverOptions = new Set(
  "application_name connect_timeout fallback_application_name host options ssl sslcert sslkey sslmode sslrootcert".split(
    " ",
  ),
);

/**
 * `?name=value&…` of the parameters a driver reads from its connection string (empty when there
 * are none), taken out of `params` so they are not read as store options.
 */
function driverQuery(
  query: readonly [string, string][],
  params: Record<string, unknown>,
  driverOptions: ReadonlySet<string>,
): string {
  const driver = new URLSearchParams();
  for (const [name, value] of query) {
    if (driverOptions.has(name)) {
      driver.append(name, value);
      delete params[name];
    }
  }
  const text = driver.toString();
  return text === "" ? "" : `?${text}`;
}

interface Parts {
  scheme: string;
  /** Everything between `scheme:` and `?`. */
  body: string;
  query: [string, string][];
}

function split(url: string, context: UrlContext): Parts {
  const match = /^([a-z][a-z0-9+.-]*):([^?#]*)(?:\?([^#]*))?(?:#.*)?$/i.exec(url.trim());
  if (match === null) {
    throw new UnknownTypeError({
      file: context.file,
      path: context.path ?? "url",
      expected: "a store URL such as redis://host:6379 or memory:",
      found: show(url, context.secrets),
    });
  }
  return {
    scheme: (match[1] ?? "").toLowerCase(),
    body: match[2] ?? "",
    query: [...new URLSearchParams(match[3] ?? "")],
  };
}

/** `//user:password@hosts/path` taken apart; user and password decoded. */
function authority(body: string): {
  username: string | undefined;
  password: string | undefined;
  hosts: string;
  path: string;
} {
  const match = /^\/\/(?:([^@/]*)@)?([^/]*)(\/.*)?$/.exec(body);
  if (match === null) return { username: undefined, password: undefined, hosts: "", path: body };
  const [user, password] = match[1] === undefined ? [] : match[1].split(/:(.*)/s);
  return {
    username: user === undefined || user === "" ? undefined : decodeURIComponent(user),
    password: password === undefined ? undefined : decodeURIComponent(password),
    hosts: match[2] ?? "",
    path: match[3] ?? "",
  };
}

/** A local path from `scheme:./relative`, `scheme:/absolute` or `scheme:///absolute`. */
function localPath(body: string): string {
  if (body.startsWith("//")) return fileURLToPath(`file:${body}`);
  const path = decodeURIComponent(body);
  return isAbsolute(path) ? path : resolve(path);
}

/**
 * Takes a store URL apart into the registered store it names and that store's raw options;
 * query parameters (snake_case or camelCase) become options.
 * @throws UnknownTypeError for a scheme no store has, ConfigError for a URL that cannot work
 */
export function parseStoreUrl(url: string, context: UrlContext = {}): ParsedStoreUrl {
  const { scheme, body, query: allParameters } = split(url, context);
  const path = context.path ?? "url";
  const fail = (expected: string): never => {
    throw new ConfigError({
      file: context.file,
      path,
      expected,
      found: show(url, context.secrets),
    });
  };
  const type = URL_SCHEMES[scheme] ?? (storeDefinition(scheme) === undefined ? undefined : scheme);
  if (type === undefined) {
    const known = [...new Set([...Object.keys(URL_SCHEMES), ...registeredStores()])];
    const suggestion = closest(scheme, known);
    throw new UnknownTypeError({
      file: context.file,
      path,
      expected: `a URL scheme of a store (${suggestion === undefined ? known.join(", ") : `did you mean ${suggestion}:?`})`,
      found: JSON.stringify(`${scheme}:`),
    });
  }
  const { query, wrappers } = takeWrappers(allParameters, type, { ...context, path });
  const params: Record<string, unknown> = Object.fromEntries(query);
  const options: Record<string, unknown> = {};
  switch (scheme) {
    case "memory":
    case "null":
      if (body !== "" && body !== "//") fail(`${scheme}: with no host or path`);
      break;
    case "file":
    case "disk":
    case "json-file":
      if (body === "" || body === "//") fail(`${scheme}: followed by a directory`);
      options.directory = localPath(body);
      break;
    case "leveldb":
      if (body === "" || body === "//") fail("leveldb: followed by a directory");
      options.location = localPath(body);
      break;
    case "sqlite":
      if (body === "" || body === "//") fail("sqlite: followed by a file or :memory:");
      options.path = body === ":memory:" ? ":memory:" : localPath(body);
      break;
    case "redis":
    case "rediss": {
      const parts = authority(body);
      if (!body.startsWith("//") || parts.hosts === "") fail(`${scheme}://host:port`);
      const cluster = params.cluster;
      delete params.cluster;
      if (parts.hosts.includes(",") || cluster === "true" || cluster === "1") {
        if (parts.path !== "" && parts.path !== "/") fail("a cluster URL without a database");
        options.nodes = parts.hosts.split(",").map((node) => node.trim());
        const redisOptions: Record<string, unknown> = {};
        if (parts.username !== undefined) redisOptions.username = parts.username;
        if (parts.password !== undefined) redisOptions.password = parts.password;
        if (scheme === "rediss") redisOptions.tls = {};
        options.clusterOptions = { redisOptions };
      } else {
        options.url = `${scheme}:${body}`;
      }
      break;
    }
    case "mongodb":
    case "mongodb+srv": {
      const parts = authority(body);
      if (!body.startsWith("//") || parts.hosts === "") fail(`${scheme}://host:port/database`);
      const storeNames = Object.keys(builtinStoreOptions("mongodb"));
      for (const [name] of query) {
        if (!mongoDriverOptions.has(name) && !storeNames.includes(camelCase(name))) {
          const suggestion = closest(camelCase(name), [
            ...storeNames,
            ...mongoDriverOptions,
            ...registeredWrappers(),
          ]);
          throw new UnknownOptionError({
            file: context.file,
            path: `${path}?${name}`,
            expected: `a store option or a MongoDB connection option${suggestion === undefined ? "" : ` (did you mean ${JSON.stringify(suggestion)}?)`}`,
            found: JSON.stringify(name),
            suggestion,
          });
        }
      }
      const database = parts.path.replace(/^\//, "");
      if (database !== "") options.databaseName = decodeURIComponent(database);
      options.url = `${scheme}:${body}${driverQuery(query, params, mongoDriverOptions)}`;
      break;
    }
    case "dynamodb": {
      const parts = body.startsWith("//") ? authority(body) : undefined;
      const table = parts === undefined ? decodeURIComponent(body) : parts.hosts + parts.path;
      if (table === "" || table.includes("/")) fail("dynamodb://table?region=…&endpoint=…");
      options.tableName = table;
      if (parts?.username !== undefined) {
        options.credentials = {
          accessKeyId: parts.username,
          secretAccessKey: parts.password ?? "",
        };
      }
      break;
    }
    case "elasticsearch":
    case "elasticsearch+https":
    case "http":
    case "https": {
      const parts = authority(body);
      if (!body.startsWith("//") || parts.hosts === "") fail(`${scheme}://host:port/index`);
      const index = decodeURIComponent(parts.path.replace(/^\/|\/$/g, ""));
      if ((scheme === "http" || scheme === "https") && index === "") {
        fail(`${scheme}://host:port/index (an Elasticsearch node and an index prefix)`);
      }
      if (index !== "") options.indexPrefix = index;
      const protocol = scheme === "https" || scheme === "elasticsearch+https" ? "https" : "http";
      options.url = `${protocol}://${parts.hosts}`;
      if (parts.username !== undefined) {
        options.auth = { username: parts.username, password: parts.password ?? "" };
      }
      break;
    }
    case "postgres":
    case "postgresql": {
      if (!body.startsWith("//") || authority(body).hosts === "") fail(`${scheme}://host:port/db`);
      options.url = `${scheme}:${body}${driverQuery(query, params, postgresDriverOptions)}`;
      break;
    }
    case "s3": {
      const parts = authority(body);
      if (!body.startsWith("//") || parts.hosts === "") fail("s3://bucket/prefix?endpoint=…");
      options.bucket = parts.hosts;
      const prefix = decodeURIComponent(parts.path.replace(/^\//, ""));
      if (prefix !== "") options.prefix = prefix;
      if (parts.username !== undefined) {
        options.credentials = {
          accessKeyId: parts.username,
          secretAccessKey: parts.password ?? "",
        };
      }
      break;
    }
    case "memcached":
      if (!body.startsWith("//") || authority(body).hosts === "") fail(`${scheme}://host:port`);
      options.url = `${scheme}:${body}`;
      break;
    case "etcd":
    case "etcd+https": {
      const parts = authority(body);
      if (!body.startsWith("//") || parts.hosts === "") fail(`${scheme}://host:port[,host:port]`);
      if (parts.path !== "" && parts.path !== "/") fail(`${scheme}://host:port without a path`);
      const protocol = scheme === "etcd+https" ? "https" : "http";
      const members = parts.hosts.split(",").map((host) => `${protocol}://${host.trim()}`);
      options.url = members.length === 1 ? members[0] : members;
      if (parts.username !== undefined) {
        options.auth = { username: parts.username, password: parts.password ?? "" };
      }
      break;
    }
    default:
      // A store registered under its own name: `name:` plus options, or `name://…` as its url.
      if (body !== "" && body !== "//") options.url = `${scheme}:${body}`;
  }
  for (const [name, value] of Object.entries(params)) {
    if (camelCase(name) in options) fail(`no ${name} parameter (the URL sets it)`);
    options[name] = value;
  }
  return { type, options, ...(wrappers.length > 0 ? { wrappers } : {}) };
}

/**
 * Takes the parameters that name a one-base wrapper out of a query: `name.option=value` sets an
 * option, `name=value` the wrapper's shorthand option, `name` or `name=true` adds it with its
 * defaults. A parameter that is also an option of the store stays with the store.
 * @throws UnknownTypeError for `x.option` where no wrapper is named x, UnknownOptionError or ConfigError for a wrapper's option
 */
function takeWrappers(
  parameters: readonly [string, string][],
  storeType: string,
  context: UrlContext & { path: string },
): { query: [string, string][]; wrappers: UrlWrapper[] } {
  const storeOptions = new Set(Object.keys(storeDefinition(storeType)?.options ?? {}));
  const query: [string, string][] = [];
  const named = new Map<string, Record<string, unknown>>();
  for (const [parameter, value] of parameters) {
    const dot = parameter.indexOf(".");
    const head = dot < 0 ? parameter : parameter.slice(0, dot);
    const type = head.replace(/_/g, "-");
    const definition = wrapperDefinition(type);
    const oneBase = definition !== undefined && (definition.bases ?? "one") === "one";
    if (dot < 0 && (storeOptions.has(camelCase(parameter)) || !oneBase)) {
      query.push([parameter, value]);
      continue;
    }
    if (!oneBase) {
      const known = registeredWrappers().filter(
        (name) => (wrapperDefinition(name)?.bases ?? "one") === "one",
      );
      const suggestion = closest(type, known);
      throw new UnknownTypeError({
        file: context.file,
        path: `${context.path}?${parameter}`,
        expected: `a wrapper around one store${suggestion === undefined ? ` (${known.join(", ")})` : ` (did you mean ${suggestion}?)`}`,
        found: JSON.stringify(head),
      });
    }
    const options = named.get(type) ?? {};
    named.set(type, options);
    if (dot >= 0) options[parameter.slice(dot + 1)] = value;
    else if (value !== "" && value !== "true") {
      if (definition.shorthand === undefined) {
        throw new ConfigError({
          file: context.file,
          path: `${context.path}?${parameter}`,
          expected: `${head}.<option>=value (${type} has no shorthand option)`,
          found: show(value, context.secrets),
        });
      }
      options[definition.shorthand] = value;
    }
  }
  const wrappers = [...named].map(([type, values]) => {
    const specs = wrapperDefinition(type)?.options;
    const at = `${context.path}?${type.replace(/-/g, "_")}`;
    const options =
      specs === undefined
        ? values
        : checkOptions(values, specs, { file: context.file, path: at, secrets: context.secrets });
    return { type, options };
  });
  return { query, wrappers };
}

/** Options of `openStore`. */
export interface OpenStoreOptions {
  /**
   * More options for the store, over the URL's (objects a URL cannot hold: `clock`, driver
   * options …). Checked like the URL's.
   */
  options?: Readonly<Record<string, unknown>> | undefined;
  /**
   * Imports a store package. Pass `(name) => import(name)` from the application when its
   * package manager hides the application's packages from `@kv/config`. @default import(), then a lookup from process.cwd()
   */
  importModule?: ImportModule | undefined;
}

/**
 * Opens the store a URL names (`memory:`, `redis://host:6379/0?namespace=app` …), importing its
 * package on first use. Query parameters become the store's options; credentials never appear
 * in an error.
 * @throws UnknownTypeError for an unknown scheme, UnknownOptionError for an unknown parameter,
 * ConfigError for a value of the wrong type, MissingPackageError when the store's package is not installed
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<KeyValue> {
  return await openParsed(parseStoreUrl(url), options, { path: "url" });
}

/** Checks a parsed URL's options and makes its store. */
export async function openParsed(
  parsed: ParsedStoreUrl,
  { options = {}, importModule }: OpenStoreOptions,
  context: UrlContext,
): Promise<KeyValue> {
  const definition = storeDefinition(parsed.type);
  if (definition === undefined) {
    throw new UnknownTypeError({
      path: context.path,
      expected: "a registered store",
      found: parsed.type,
    });
  }
  const merged = { ...parsed.options, ...options };
  const checked =
    definition.options === undefined
      ? merged
      : checkOptions(merged, definition.options, {
          file: context.file,
          path: `${context.path ?? "url"}?`,
          secrets: context.secrets,
        });
  const createContext: CreateContext = { importModule };
  let store = await definition.create(checked, createContext);
  for (const { type, options: wrapperOptions } of parsed.wrappers ?? []) {
    const wrapper = wrapperDefinition(type);
    if (wrapper === undefined) {
      throw new UnknownTypeError({
        path: context.path,
        expected: "a registered wrapper",
        found: type,
      });
    }
    store = await wrapper.create(store, wrapperOptions, createContext);
  }
  return store;
}
