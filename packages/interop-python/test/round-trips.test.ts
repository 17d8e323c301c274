import { randomUUID } from "node:crypto";
import { EncryptionWrapper } from "@kv/encryption";
import {
  type PyCall,
  type PyResult,
  type PyStore,
  resultsOf,
  runPyKeyValue,
} from "@kv/interop-python";
import type { Entry, KeyValue, Value } from "@kv/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BACKENDS, type Sides } from "./backends.ts";

const ENTRIES: Entry[] = [
  ["ada", { name: "Ada", age: 36, admin: true, nickname: null, scores: [1.5, -2, 0] }],
  ["clé 🙂", { text: "héllo wörld ✓ 日本語 🙂", escapes: 'quote" backslash\\ newline\n tab\t' }],
  ["path/with spaces", { profile: { lines: ["1 Main St"], tags: [], deep: { a: { b: 1 } } } }],
  ["empty", {}],
];
const KEYS = ENTRIES.map(([key]) => key);
const VALUES = ENTRIES.map(([, value]) => value);
const [FIRST_KEY = "", FIRST_VALUE = {}] = ENTRIES[0] ?? [];
const TTL = 3600;
const BULK_TTL = 600;
const SECRET = { sourceMaterial: "interop test secret", salt: "kv-interop" };
const FERNET = { source_material: SECRET.sourceMaterial, salt: SECRET.salt };

type Kind = "plain" | "ttl" | "bulk" | "bulkTtl" | "fernet";

/** One collection per test, per direction and per run. */
function collections(direction: string): Record<Kind, string> {
  const run = randomUUID().slice(0, 8);
  const name = (kind: string) => `interop_${run}_${direction}_${kind}`;
  return {
    plain: name("plain"),
    ttl: name("ttl"),
    bulk: name("bulk"),
    bulkTtl: name("bulk_ttl"),
    fernet: name("fernet"),
  };
}

/**
 * Asserts `[value, ttl]` pairs: each value exactly; no TTL when `ttl` is undefined, otherwise what
 * is left of `ttl` after the time since `since` (the start of the write), within 1 s: DynamoDB's
 * `ttl` attribute, which py-key-value reads, holds whole seconds.
 */
function expectPairs(
  pairs: readonly (readonly unknown[])[],
  values: readonly Value[],
  ttl: number | undefined,
  since: number,
): void {
  expect(pairs.map(([value]) => value)).toEqual(values);
  const elapsed = (Date.now() - since) / 1000;
  for (const [, remaining] of pairs) {
    if (ttl === undefined) {
      expect(remaining ?? undefined).toBeUndefined();
    } else {
      expect(remaining).toBeGreaterThan(ttl - elapsed - 1);
      expect(remaining).toBeLessThanOrEqual(ttl + 0.01);
    }
  }
}

/** Asserts values in py-key-value's Fernet form (`@kv/encryption`'s `mode: "fernet"`). */
function expectFernetCiphertexts(stored: readonly unknown[]): void {
  expect(stored).toEqual(
    KEYS.map(() => ({ __encrypted_data__: expect.any(String), __encryption_version__: 1 })),
  );
}

/** Runs labelled groups of calls in one py-key-value process and returns each group's outcomes. */
async function runGroups<L extends string>(
  store: PyStore,
  groups: Record<L, PyCall[]>,
): Promise<Record<L, PyResult[]>> {
  const labels = Object.keys(groups) as L[];
  const { results } = await runPyKeyValue({
    store,
    fernet: FERNET,
    calls: labels.flatMap((label) => groups[label]),
  });
  let offset = 0;
  const byLabel = {} as Record<L, PyResult[]>;
  for (const label of labels) {
    byLabel[label] = results.slice(offset, offset + groups[label].length);
    offset += groups[label].length;
  }
  return byLabel;
}

/** `ttl` of every key, one call at a time (concurrent calls could be batched into one). */
async function ttlOneByOne(store: KeyValue, collection: string): Promise<unknown[][]> {
  const pairs: unknown[][] = [];
  for (const key of KEYS) pairs.push(await store.ttl(key, { collection }));
  return pairs;
}

describe.each(BACKENDS)("$name", (backend) => {
  describe("py-key-value reads what @kv wrote", () => {
    const c = collections("ts");
    const since = {} as Record<Kind, number>;
    let sides: Sides;
    let read: Record<Kind | "fernetStored", PyResult[]>;

    beforeAll(async () => {
      sides = await backend.open();
      const { store } = sides;
      since.plain = Date.now();
      for (const [key, value] of ENTRIES) await store.put(key, value, { collection: c.plain });
      since.ttl = Date.now();
      for (const [key, value] of ENTRIES)
        await store.put(key, value, { collection: c.ttl, ttl: TTL });
      since.bulk = Date.now();
      await store.putMany(ENTRIES, { collection: c.bulk });
      since.bulkTtl = Date.now();
      await store.putMany(ENTRIES, { collection: c.bulkTtl, ttl: BULK_TTL });
      const encrypted = new EncryptionWrapper(store, { mode: "fernet", ...SECRET });
      since.fernet = Date.now();
      await encrypted.put(FIRST_KEY, FIRST_VALUE, { collection: c.fernet });
      await encrypted.putMany(ENTRIES.slice(1), { collection: c.fernet, ttl: TTL });
      read = await runGroups(sides.python, {
        plain: KEYS.map((key) => ({ method: "ttl", collection: c.plain, key })),
        ttl: KEYS.map((key) => ({ method: "ttl", collection: c.ttl, key })),
        bulk: [{ method: "get_many", collection: c.bulk, keys: [...KEYS, "missing"] }],
        bulkTtl: [{ method: "ttl_many", collection: c.bulkTtl, keys: KEYS }],
        fernet: [{ method: "ttl_many", collection: c.fernet, keys: KEYS, encrypted: true }],
        fernetStored: [{ method: "get_many", collection: c.fernet, keys: KEYS }],
      });
    });
    afterAll(() => sides?.cleanUp(Object.values(c)));

    it("put without a TTL: read one key at a time, with no expiry", () => {
      expectPairs(resultsOf(read.plain) as unknown[][], VALUES, undefined, since.plain);
    });

    it("put with a TTL: the remaining TTL matches", () => {
      expectPairs(resultsOf(read.ttl) as unknown[][], VALUES, TTL, since.ttl);
    });

    it("putMany with and without a TTL: read with get_many and ttl_many", () => {
      const [values] = resultsOf(read.bulk);
      const [pairs] = resultsOf(read.bulkTtl) as unknown[][][];
      expect(values).toEqual([...VALUES, null]);
      expectPairs(pairs ?? [], VALUES, BULK_TTL, since.bulkTtl);
    });

    it("Fernet: FernetEncryptionWrapper decrypts what EncryptionWrapper encrypted", () => {
      const [[first, ...rest] = []] = resultsOf(read.fernet) as unknown[][][];
      const [stored] = resultsOf(read.fernetStored) as unknown[][];
      expectPairs(first ? [first] : [], [FIRST_VALUE], undefined, since.fernet);
      expectPairs(rest, VALUES.slice(1), TTL, since.fernet);
      expectFernetCiphertexts(stored ?? []);
    });
  });

  describe("@kv reads what py-key-value wrote", () => {
    const c = collections("py");
    let since = 0;
    let sides: Sides;
    let written: Record<Kind, PyResult[]>;

    beforeAll(async () => {
      sides = await backend.open();
      since = Date.now();
      written = await runGroups(sides.python, {
        plain: ENTRIES.map(([key, value]) => ({ method: "put", collection: c.plain, key, value })),
        ttl: ENTRIES.map(([key, value]) => ({
          method: "put",
          collection: c.ttl,
          key,
          value,
          ttl: TTL,
        })),
        bulk: [{ method: "put_many", collection: c.bulk, keys: KEYS, values: VALUES }],
        bulkTtl: [
          { method: "put_many", collection: c.bulkTtl, keys: KEYS, values: VALUES, ttl: BULK_TTL },
        ],
        fernet: [
          {
            method: "put",
            collection: c.fernet,
            key: FIRST_KEY,
            value: FIRST_VALUE,
            encrypted: true,
          },
          {
            method: "put_many",
            collection: c.fernet,
            keys: KEYS.slice(1),
            values: VALUES.slice(1),
            ttl: TTL,
            encrypted: true,
          },
        ],
      });
    });
    afterAll(() => sides?.cleanUp(Object.values(c)));

    it("put without a TTL: read one key at a time, with no expiry", async () => {
      resultsOf(written.plain);
      const values: unknown[] = [];
      for (const key of KEYS) values.push(await sides.store.get(key, { collection: c.plain }));
      expect(values).toEqual(VALUES);
      expectPairs(await ttlOneByOne(sides.store, c.plain), VALUES, undefined, since);
    });

    it("put with a TTL: the remaining TTL matches", async () => {
      resultsOf(written.ttl);
      expectPairs(await ttlOneByOne(sides.store, c.ttl), VALUES, TTL, since);
    });

    it("put_many with and without a TTL: read with getMany and ttlMany", async () => {
      resultsOf([...written.bulk, ...written.bulkTtl]);
      const { store } = sides;
      expect(await store.getMany([...KEYS, "missing"], { collection: c.bulk })).toEqual([
        ...VALUES,
        undefined,
      ]);
      expectPairs(await store.ttlMany(KEYS, { collection: c.bulkTtl }), VALUES, BULK_TTL, since);
    });

    it("Fernet: EncryptionWrapper decrypts what FernetEncryptionWrapper encrypted", async () => {
      resultsOf(written.fernet);
      const { store } = sides;
      const encrypted = new EncryptionWrapper(store, { mode: "fernet", ...SECRET });
      const [first, ...rest] = await encrypted.ttlMany(KEYS, { collection: c.fernet });
      expectPairs(first ? [first] : [], [FIRST_VALUE], undefined, since);
      expectPairs(rest, VALUES.slice(1), TTL, since);
      expectFernetCiphertexts(await store.getMany(KEYS, { collection: c.fernet }));
    });
  });
});
