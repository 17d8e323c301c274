import { readdirSync, readFileSync } from "node:fs";
import { MemoryStore } from "@kv/memory";
import type { KeyValue } from "@kv/protocol";
import { describe, expect, it } from "vitest";
import {
  loadConfig,
  openStore,
  RegistryConflictError,
  registeredStores,
  registeredWrappers,
  registerStore,
  registerWrapper,
} from "../src/index.ts";

/** The packages of the repository whose source defines a store or a wrapper. */
function packagesOfKind(pattern: RegExp): string[] {
  const root = new URL("../../", import.meta.url);
  return readdirSync(root).filter((dir) => {
    try {
      const files = readdirSync(new URL(`${dir}/src/`, root));
      return files.some((file) =>
        pattern.test(readFileSync(new URL(`${dir}/src/${file}`, root), "utf8")),
      );
    } catch {
      return false;
    }
  });
}

describe("the registry", () => {
  it("has every store of the repository under its short name", () => {
    const stores = packagesOfKind(
      /extends (BaseStore|[A-Za-z]+Base)\b[^\n]*\{|= storeWith\(/,
    ).filter(
      // keyv, unstorage and blob-key-value wrap a live Keyv adapter, unstorage storage or blob
      // store, which no URL can name; the runtimes' native stores run only in their runtime;
      // sqlite-core is the base of the SQLite stores, not a store of its own.
      (dir) =>
        ![
          "protocol",
          "conformance",
          "bench",
          "cache",
          "routing",
          "transfer",
          "keyv",
          "unstorage",
          "blob-key-value",
          "bun-sqlite",
          "deno-kv",
          "indexeddb",
          "web-storage",
          "cloudflare-kv",
          "sqlite-core",
        ].includes(dir),
    );
    expect(stores.length).toBeGreaterThanOrEqual(9);
    expect(registeredStores()).toEqual(expect.arrayContaining(stores));
  });

  it("has every wrapper of the repository under its short name", () => {
    const wrappers = packagesOfKind(/class \w+Wrapper\b/).filter(
      (dir) => !["protocol", "conformance", "bench", "cache", "transfer"].includes(dir),
    );
    expect(wrappers.length).toBeGreaterThanOrEqual(20);
    expect(registeredWrappers().sort()).toEqual(expect.arrayContaining(wrappers.sort()));
  });

  it("refuses a name taken by a store or a wrapper with RegistryConflictError", () => {
    const factory = (): KeyValue => new MemoryStore();
    expect(() => registerStore("redis", factory)).toThrow(RegistryConflictError);
    expect(() => registerStore("retry", factory)).toThrow(RegistryConflictError);
    expect(() => registerWrapper("memory", (base) => base as KeyValue)).toThrow(
      /"memory" is registered already; pass \{ replace: true \}/,
    );
    const error = (() => {
      try {
        registerStore("null", factory);
      } catch (caught) {
        return caught;
      }
    })();
    expect(RegistryConflictError.isInstance(error)).toBe(true);
    expect((error as RegistryConflictError).registeredName).toBe("null");
  });

  it("replaces an entry with { replace: true }, for URLs and configurations alike", async () => {
    const made: string[] = [];
    registerStore("tenant", (options) => {
      made.push(String(options.url));
      return new MemoryStore();
    });
    registerStore(
      "tenant",
      {
        options: { region: "string" },
        create: (options) => {
          made.push(`replaced ${String(options.region)}`);
          return new MemoryStore();
        },
      },
      { replace: true },
    );
    expect(registeredStores()).toContain("tenant");
    await openStore("tenant:?region=eu");
    await loadConfig({ stores: { a: { type: "tenant", config: { region: "us" } } }, main: "a" });
    expect(made).toEqual(["replaced eu", "replaced us"]);
    await expect(openStore("tenant:?regoin=eu")).rejects.toThrow(/did you mean "region"/);
  });

  it("makes a registered wrapper from configuration, around the store its base names", async () => {
    const calls: string[] = [];
    registerWrapper("spy", (base, options) => {
      const store = base as KeyValue;
      return {
        ...store,
        get: (key, o) => {
          calls.push(`${String(options.label)}:${key}`);
          return store.get(key, o);
        },
      } as KeyValue;
    });
    const { main } = await loadConfig({
      stores: {
        mem: { type: "memory" },
        spied: { type: "spy", base: "mem", config: { label: "L" } },
      },
      main: "spied",
    });
    await main.get("k");
    expect(calls).toEqual(["L:k"]);
  });
});
