// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} is the configuration syntax under test
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { FallbackWrapper } from "@kv/fallback";
import { MemoryStore } from "@kv/memory";
import { MirroringWrapper } from "@kv/mirroring";
import { PassthroughCacheWrapper } from "@kv/passthrough-cache";
import { PrefixKeysWrapper } from "@kv/prefix-keys";
import { ReadOnlyWrapper } from "@kv/read-only";
import { RoutingWrapper } from "@kv/routing";
import { describe, expect, it } from "vitest";
import {
  ConfigCycleError,
  ConfigError,
  ConfigSyntaxError,
  loadConfig,
  MissingPackageError,
  MissingVariableError,
  registerStore,
  registerWrapper,
  UnknownOptionError,
  UnknownTypeError,
  wrapperFromPackage,
} from "../src/index.ts";
import { rejection } from "./rejection.ts";
import { temporaryDirectory } from "./servers.ts";

const directory = temporaryDirectory("kv-config-file-");

async function file(name: string, text: string): Promise<string> {
  const path = join(directory(), name);
  await writeFile(path, text);
  return path;
}

describe("loadConfig builds the stores a file describes", () => {
  it("YAML: a store, wrappers on it, main, and every named store (a shared base made once)", async () => {
    const path = await file(
      "app.yaml",
      `stores:
  memory:
    type: memory
    config:
      maxEntries: \${MAX_ENTRIES:-100}
  app:
    type: prefix-keys
    base: memory
    config: { prefix: app }
  readonly:
    type: read-only
    base: app
main: app
`,
    );
    const loaded = await loadConfig(path, { env: {} });
    expect(Object.keys(loaded.stores)).toEqual(["memory", "app", "readonly"]);
    expect(loaded.main).toBe(loaded.stores.app);
    expect(loaded.stores.memory).toBeInstanceOf(MemoryStore);
    expect(loaded.main).toBeInstanceOf(PrefixKeysWrapper);
    expect(loaded.stores.readonly).toBeInstanceOf(ReadOnlyWrapper);
    await loaded.main.put("k", { v: 1 });
    expect(await loaded.stores.memory?.get("app__k")).toEqual({ v: 1 });
    expect(await loaded.stores.readonly?.get("k")).toEqual({ v: 1 });
    await loaded.close();
  });

  it("JSON, with a store given by url", async () => {
    const path = await file(
      "app.json",
      JSON.stringify({ stores: { db: { url: "memory:?max_entries=5" } }, main: "db" }),
    );
    const { main } = await loadConfig(path);
    expect(main).toBeInstanceOf(MemoryStore);
  });

  it("bases: a list for mirroring, named roles for fallback and passthrough-cache, routes by collection", async () => {
    const { stores } = await loadConfig({
      stores: {
        a: { type: "memory" },
        b: { type: "memory" },
        mirror: { type: "mirroring", base: ["a", "b"] },
        fallback: { type: "fallback", base: { primary: "a", fallback: "b" } },
        cached: { type: "passthrough-cache", base: ["a", "b"], config: { maxCacheTtl: "1m" } },
        routed: { type: "routing", base: { default: "a", users: "b" } },
      },
      main: "mirror",
    });
    expect(stores.mirror).toBeInstanceOf(MirroringWrapper);
    expect(stores.fallback).toBeInstanceOf(FallbackWrapper);
    expect(stores.cached).toBeInstanceOf(PassthroughCacheWrapper);
    expect(stores.routed).toBeInstanceOf(RoutingWrapper);
    await stores.mirror?.put("k", { v: 1 });
    expect(await stores.b?.get("k")).toEqual({ v: 1 });
    await stores.routed?.put("u", { v: 2 }, { collection: "users" });
    expect(await stores.b?.get("u", { collection: "users" })).toEqual({ v: 2 });
    expect(await stores.a?.get("u", { collection: "users" })).toBeUndefined();
  });

  it("${VAR} and ${VAR:-default} read the environment", async () => {
    const { main, stores } = await loadConfig(
      {
        stores: {
          base: { type: "memory" },
          app: { type: "prefix-keys", base: "base", config: { prefix: "${APP}-${ENV:-dev}" } },
        },
        main: "app",
      },
      { env: { APP: "shop" } },
    );
    await main.put("k", { v: 1 });
    expect(await stores.base?.get("shop-dev__k")).toEqual({ v: 1 });
  });
});

describe("loadConfig checks everything before anything is made", () => {
  it("nothing is made when any entry is wrong", async () => {
    let made = 0;
    registerStore("counted", () => {
      made++;
      return new MemoryStore();
    });
    await expect(
      loadConfig({
        stores: {
          first: { type: "counted" },
          second: { type: "memory", config: { maxEntrie: 1 } },
        },
        main: "first",
      }),
    ).rejects.toThrow(UnknownOptionError);
    expect(made).toBe(0);
  });

  it("an unknown option: UnknownOptionError with the file, the path and a did-you-mean", async () => {
    const path = await file(
      "typo.yaml",
      "stores:\n  cache:\n    type: memory\n    config:\n      maxEntrie: 10\nmain: cache\n",
    );
    const error = await rejection(loadConfig(path), UnknownOptionError);
    expect(error.file).toBe(path);
    expect(error.path).toBe("stores.cache.config.maxEntrie");
    expect(error.suggestion).toBe("maxEntries");
    expect(error.message).toBe(
      `${path}: stores.cache.config.maxEntrie: expected a known option (did you mean "maxEntries"?), found "maxEntrie"`,
    );
  });

  it("an unknown field of an entry, and an unknown type, with suggestions", async () => {
    await expect(
      loadConfig({ stores: { a: { type: "memory", bsae: "x" } }, main: "a" }),
    ).rejects.toThrow(/stores\.a\.bsae: expected a known field \(did you mean "base"\?\)/);
    const error = await rejection(
      loadConfig({ stores: { a: { type: "reddis" } }, main: "a" }),
      UnknownTypeError,
    );
    expect(error.message).toMatch(/stores\.a\.type: .*did you mean "redis"/);
  });

  it("a value of the wrong type names the path, what was expected and what was found", async () => {
    await expect(
      loadConfig({ stores: { a: { type: "memory", config: { maxEntries: "lots" } } }, main: "a" }),
    ).rejects.toThrow('stores.a.config.maxEntries: expected an integer, found "lots"');
  });

  it("a missing environment variable without a default: MissingVariableError at its path", async () => {
    const error = await rejection(
      loadConfig(
        { stores: { cache: { type: "redis", config: { url: "${REDIS_URL}" } } }, main: "cache" },
        { env: {}, file: "app.yaml" },
      ),
      MissingVariableError,
    );
    expect(error.variable).toBe("REDIS_URL");
    expect(error.message).toMatch(
      /^app\.yaml: stores\.cache\.config\.url: expected the environment variable REDIS_URL/,
    );
  });

  it("values from the environment are redacted in messages", async () => {
    const error = await rejection(
      loadConfig(
        { stores: { a: { type: "memory", config: { maxEntries: "${SECRET}" } } }, main: "a" },
        { env: { SECRET: "s3cr3t-value" } },
      ),
      ConfigError,
    );
    expect(error.message).toContain('found "***"');
    expect(error.message).not.toContain("s3cr3t-value");
    const url = await rejection(
      loadConfig(
        { stores: { a: { url: "redis://:${PASSWORD}@127.0.0.1:1/0?namspace=a" } }, main: "a" },
        { env: { PASSWORD: "hunter2" } },
      ),
      UnknownOptionError,
    );
    expect(url.message).toMatch(/stores\.a\.url\?namspace: .*did you mean "namespace"/);
    expect(url.message).not.toContain("hunter2");
  });

  it("a cycle: ConfigCycleError naming the circle", async () => {
    const error = await rejection(
      loadConfig({
        stores: {
          a: { type: "retry", base: "b" },
          b: { type: "timeout", base: "c" },
          c: { type: "read-only", base: "a" },
        },
        main: "a",
      }),
      ConfigCycleError,
    );
    expect(error.cycle).toEqual(["a", "b", "c", "a"]);
    expect(error.message).toMatch(/the circle a → b → c → a/);
  });

  it("bad YAML: ConfigSyntaxError with the line", async () => {
    const path = await file(
      "bad.yaml",
      "stores:\n  a:\n    type: memory\n  b: [unclosed\nmain: a\n",
    );
    const error = await rejection(loadConfig(path), ConfigSyntaxError);
    expect(error.line).toBeGreaterThanOrEqual(4);
    expect(error.message).toMatch(
      new RegExp(`^${path}:${error.line}:\\d+: expected valid YAML or JSON`),
    );
  });

  it("references: bases must name stores of the file, in the shape the wrapper takes", async () => {
    await expect(
      loadConfig({
        stores: { a: { type: "memory" }, b: { type: "retry", base: "aa" } },
        main: "b",
      }),
    ).rejects.toThrow(
      /stores\.b\.base: expected the name of a store \(did you mean "a"\?\), found "aa"/,
    );
    await expect(loadConfig({ stores: { a: { type: "retry" } }, main: "a" })).rejects.toThrow(
      "stores.a.base: expected the name of one store, found nothing",
    );
    await expect(
      loadConfig({ stores: { a: { type: "memory", base: "a" } }, main: "a" }),
    ).rejects.toThrow(/stores\.a\.base: expected no base/);
    await expect(
      loadConfig({
        stores: {
          a: { type: "memory" },
          f: { type: "fallback", base: { primary: "a", backup: "a" } },
        },
        main: "f",
      }),
    ).rejects.toThrow(/stores\.f\.base\.fallback: expected the name of a store/);
    const role = await rejection(
      loadConfig({
        stores: {
          a: { type: "memory" },
          f: { type: "fallback", base: { primary: "a", fallback: "a", fallbak: "a" } },
        },
        main: "f",
      }),
      UnknownOptionError,
    );
    expect(role.suggestion).toBe("fallback");
    expect(role.message).toBe(
      'stores.f.base.fallbak: expected a known role (did you mean "fallback"?), found "fallbak"',
    );
    const roleInFile = await rejection(
      loadConfig(
        {
          stores: {
            a: { type: "memory" },
            f: { type: "fallback", base: { primary: "a", fallback: "a", fallbak: "a" } },
          },
          main: "f",
        },
        { file: "app.yaml" },
      ),
      UnknownOptionError,
    );
    expect(roleInFile.message).toMatch(
      /^app\.yaml: stores\.f\.base\.fallbak: expected a known role/,
    );
    await expect(loadConfig({ stores: { a: { type: "memory" } }, main: "b" })).rejects.toThrow(
      /main: expected the name of a store/,
    );
    await expect(loadConfig({ stores: {}, main: "a" })).rejects.toThrow(
      /stores: expected an object/,
    );
  });

  it("a wrapper whose package is not installed: MissingPackageError naming it", async () => {
    registerWrapper("missing", wrapperFromPackage("@kv/missing-wrapper", "MissingWrapper"));
    const error = await rejection(
      loadConfig({
        stores: { a: { type: "memory" }, b: { type: "missing", base: "a" } },
        main: "b",
      }),
      MissingPackageError,
    );
    expect(error.packageName).toBe("@kv/missing-wrapper");
  });
});
