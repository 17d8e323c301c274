import { randomBytes } from "node:crypto";
import { expectOffers, withoutCapabilities } from "@kv/conformance";
import { DecryptionError, EncryptionError, EncryptionWrapper } from "@kv/encryption";
import { MemoryStore } from "@kv/memory";
import {
  BaseWrapper,
  capabilityNames,
  InvalidKeyError,
  InvalidTtlError,
  type KeyValue,
  KeyValueError,
  SerializationError,
  supports,
  type Value,
} from "@kv/protocol";
import { describe, expect, it } from "vitest";
import { aesFixture, pythonFernet, typescriptFernet } from "./fixtures/interop.ts";

const current = { id: "2026-02", key: randomBytes(32) };
const previous = { id: "2025-11", key: randomBytes(32) };

function aes(inner: KeyValue = new MemoryStore(), keys = [current]) {
  return { inner, store: new EncryptionWrapper(inner, { keys }) };
}

/** Flips one bit of the base64 ciphertext of a stored value, at byte `index` (negative: from the end). */
function flipBit(stored: Value, index: number): Value {
  const data = Buffer.from(String(stored.__encrypted_data__), "base64");
  const at = index < 0 ? data.length + index : index;
  data[at] = (data[at] ?? 0) ^ 0x01;
  return { ...stored, __encrypted_data__: data.toString("base64") };
}

async function decryptionError(read: Promise<unknown>): Promise<DecryptionError> {
  const error = await read.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(DecryptionError.isInstance(error)).toBe(true);
  return error as DecryptionError;
}

describe("EncryptionWrapper, AES-256-GCM (default mode)", () => {
  it("stores only ciphertext, with a fresh nonce for every write", async () => {
    const { inner, store } = aes();
    const secret = { card: "4111-1111-1111-1111", holder: "Ada" };
    await store.put("a", secret, { collection: "cards" });
    await store.put("b", secret, { collection: "cards" });

    const [a, b] = await inner.getMany(["a", "b"], { collection: "cards" });
    expect(Object.keys(a ?? {}).sort()).toEqual([
      "__encrypted_data__",
      "__encryption_key_id__",
      "__encryption_version__",
    ]);
    expect(a).toMatchObject({ __encryption_version__: 2, __encryption_key_id__: "2026-02" });
    expect(JSON.stringify(a)).not.toContain("4111");
    expect(JSON.stringify(a)).not.toContain("Ada");
    expect(a?.__encrypted_data__).not.toEqual(b?.__encrypted_data__);
    expect(await store.getMany(["a", "b"], { collection: "cards" })).toEqual([secret, secret]);
  });

  it("rejects a ciphertext with one flipped bit, in the nonce, the body or the tag", async () => {
    const { inner, store } = aes();
    await store.put("k", { balance: 100 });
    const stored = (await inner.get("k")) ?? {};
    for (const index of [0, 11, 12, 14, -17, -1]) {
      await inner.put("k", flipBit(stored, index));
      const error = await decryptionError(store.get("k"));
      expect(error.message).toContain("key: k");
    }
  });

  it("rejects a truncated ciphertext and a malformed stored form", async () => {
    const { inner, store } = aes();
    await store.put("k", { balance: 100 });
    const stored = (await inner.get("k")) ?? {};
    const data = Buffer.from(String(stored.__encrypted_data__), "base64");
    for (const broken of [
      { ...stored, __encrypted_data__: data.subarray(0, data.length - 1).toString("base64") },
      { ...stored, __encrypted_data__: data.subarray(0, 20).toString("base64") },
      { ...stored, __encrypted_data__: "" },
      { ...stored, __encrypted_data__: "not base64!" },
      { ...stored, __encryption_version__: "2" },
      { ...stored, __encryption_version__: 3 },
      { __encrypted_data__: stored.__encrypted_data__, __encryption_version__: 2 },
    ]) {
      await inner.put("k", broken);
      await decryptionError(store.get("k"));
    }
  });

  it("rejects a ciphertext moved to another key or another collection", async () => {
    const { inner, store } = aes();
    await store.put("alice", { role: "admin" }, { collection: "users" });
    const stored = (await inner.get("alice", { collection: "users" })) ?? {};

    await inner.put("mallory", stored, { collection: "users" });
    await inner.put("alice", stored, { collection: "admins" });

    await decryptionError(store.get("mallory", { collection: "users" }));
    await decryptionError(store.get("alice", { collection: "admins" }));
    expect(await store.get("alice", { collection: "users" })).toEqual({ role: "admin" });
  });

  it("rejects a value read with the wrong key or a key id that is not configured", async () => {
    const { inner, store } = aes();
    await store.put("k", { n: 1 });

    const wrongKey = new EncryptionWrapper(inner, {
      keys: [{ id: current.id, key: randomBytes(32) }],
    });
    const error = await decryptionError(wrongKey.get("k"));
    expect(error.cause).toBeInstanceOf(Error);

    const otherId = new EncryptionWrapper(inner, { keys: [previous] });
    expect((await decryptionError(otherId.get("k"))).message).toContain('"2026-02"');
  });

  it("rotates keys without downtime: encrypts with the first key, decrypts with any", async () => {
    const inner = new MemoryStore();
    const before = new EncryptionWrapper(inner, { keys: [previous] });
    await before.put("old", { written: "before rotation" });

    const after = new EncryptionWrapper(inner, { keys: [current, previous] });
    await after.put("new", { written: "after rotation" });

    expect(await after.getMany(["old", "new"])).toEqual([
      { written: "before rotation" },
      { written: "after rotation" },
    ]);
    expect((await inner.get("old"))?.__encryption_key_id__).toBe("2025-11");
    expect((await inner.get("new"))?.__encryption_key_id__).toBe("2026-02");
    await decryptionError(before.get("new"));
  });

  it("reads undecryptable values as undefined when throwOnDecryptionError is false", async () => {
    const inner = new MemoryStore();
    const store = new EncryptionWrapper(inner, { keys: [current], throwOnDecryptionError: false });
    await store.put("good", { ok: true }, { ttl: 60 });
    await store.put("bad", { ok: false }, { ttl: 60 });
    await inner.put("bad", flipBit((await inner.get("bad")) ?? {}, -1), { ttl: 60 });

    expect(await store.get("bad")).toBeUndefined();
    expect(await store.getMany(["good", "bad"])).toEqual([{ ok: true }, undefined]);
    expect(await store.ttl("bad")).toEqual([undefined, undefined]);
    const [good, bad] = await store.ttlMany(["good", "bad"]);
    expect(good?.[0]).toEqual({ ok: true });
    expect(good?.[1]).toBeGreaterThan(59);
    expect(bad).toEqual([undefined, undefined]);
  });

  it("refuses unencrypted values by default and passes them through with acceptUnencrypted", async () => {
    const inner = new MemoryStore();
    await inner.put("legacy", { plain: "text" });
    const strict = new EncryptionWrapper(inner, { keys: [current] });
    const error = await decryptionError(strict.get("legacy"));
    expect(error.message).toContain("not encrypted");

    const migrating = new EncryptionWrapper(inner, { keys: [current], acceptUnencrypted: true });
    expect(await migrating.get("legacy")).toEqual({ plain: "text" });
    await migrating.put("legacy", { plain: "text" });
    expect(await strict.get("legacy")).toEqual({ plain: "text" });
  });

  it("validates input before encrypting, so bad input gets the protocol's errors and writes nothing", async () => {
    const { inner, store } = aes();
    const loose = store as unknown as {
      put(key: unknown, value: unknown, options?: unknown): Promise<void>;
      putMany(entries: unknown, options?: unknown): Promise<void>;
    };
    await expect(loose.put("k", { big: 10n })).rejects.toThrow(SerializationError);
    await expect(loose.put("k", new Date())).rejects.toThrow(SerializationError);
    await expect(loose.put("", { a: 1 })).rejects.toThrow(InvalidKeyError);
    await expect(loose.put("k", { a: 1 }, { collection: "" })).rejects.toThrow(InvalidKeyError);
    await expect(loose.put("k", { a: 1 }, { ttl: 0 })).rejects.toThrow(InvalidTtlError);
    await expect(
      loose.putMany([
        ["ok", { a: 1 }],
        ["bad", { f: () => 1 }],
      ]),
    ).rejects.toThrow(SerializationError);
    expect(await inner.getMany(["k", "ok", "bad"])).toEqual([undefined, undefined, undefined]);
  });

  it("throws typed errors: DecryptionError is an EncryptionError and a KeyValueError", async () => {
    const { inner, store } = aes();
    await inner.put("k", { plain: true }, { collection: "orders" });
    const error = await decryptionError(store.get("k", { collection: "orders" }));
    expect(error).toBeInstanceOf(DecryptionError);
    expect(error).toBeInstanceOf(EncryptionError);
    expect(error).toBeInstanceOf(KeyValueError);
    expect(EncryptionError.isInstance(error)).toBe(true);
    expect(KeyValueError.isInstance(error)).toBe(true);
    expect([error.name, error.code, error.operation, error.collection, error.key]).toEqual([
      "DecryptionError",
      "DECRYPTION",
      "get",
      "orders",
      "k",
    ]);
    expect(EncryptionError.isInstance(new Error("x"))).toBe(false);
  });

  it("keeps TTLs, key enumeration and the other capabilities of the inner store", async () => {
    const { store } = aes();
    await store.put("a", { n: 1 }, { collection: "c", ttl: 30 });
    await store.put("b", { n: 2 }, { collection: "c" });
    const [value, ttl] = await store.ttl("a", { collection: "c" });
    expect(value).toEqual({ n: 1 });
    expect(ttl).toBeGreaterThan(29);
    expectOffers(store, { keys: true, collections: true, destroy: true });
    if (supports(store, "keys"))
      expect((await store.keys({ collection: "c" })).sort()).toEqual(["a", "b"]);

    const plain = withoutCapabilities(new MemoryStore(), ...capabilityNames);
    const bare = new EncryptionWrapper(plain, { keys: [current] });
    expectOffers(bare, { keys: false, collections: false, destroy: false });
  });

  it("binds values written without a collection to the inner store's default collection", async () => {
    const { store } = aes(new MemoryStore({ defaultCollection: "main" }));
    await store.put("k", { n: 1 });
    expect(await store.get("k", { collection: "main" })).toEqual({ n: 1 });
  });

  it("reads the committed AES-256-GCM fixture, so the stored form stays stable", async () => {
    const inner = new MemoryStore();
    const store = new EncryptionWrapper(inner, { keys: aesFixture.keys });
    for (const { collection, key, stored } of aesFixture.entries) {
      await inner.put(key, stored, { collection });
    }
    for (const { collection, key, value } of aesFixture.entries) {
      expect(await store.get(key, { collection })).toEqual(value);
    }
  });

  it("refuses a missing, short or repeated key at construction", () => {
    const inner = new MemoryStore();
    expect(() => new EncryptionWrapper(inner, { keys: [] })).toThrow(TypeError);
    expect(
      () => new EncryptionWrapper(inner, { keys: [{ id: "k", key: randomBytes(16) }] }),
    ).toThrow("32 bytes");
    expect(() => new EncryptionWrapper(inner, { keys: [{ id: "k", key: "c2hvcnQ=" }] })).toThrow(
      TypeError,
    );
    expect(
      () => new EncryptionWrapper(inner, { keys: [current, { ...previous, id: current.id }] }),
    ).toThrow("twice");
    expect(
      () => new EncryptionWrapper(inner, { keys: [{ id: "", key: randomBytes(32) }] }),
    ).toThrow(TypeError);
  });
});

describe("EncryptionWrapper, Fernet mode (py-key-value's format)", () => {
  const { sourceMaterial, salt } = pythonFernet.derived;
  const derivedInner = new MemoryStore();
  // PBKDF2 with 1 200 000 iterations takes a moment: one derived wrapper serves every test
  const derived = new EncryptionWrapper(derivedInner, { mode: "fernet", sourceMaterial, salt });

  it("reads values written by py-key-value's FernetEncryptionWrapper with source material and salt", async () => {
    expect(pythonFernet.generator["py-key-value-aio"]).toBeDefined();
    for (const { collection, key, stored } of pythonFernet.derived.entries) {
      await derivedInner.put(key, stored, { collection });
    }
    for (const { collection, key, value } of pythonFernet.derived.entries) {
      expect(await derived.get(key, { collection })).toEqual(value);
    }
  });

  it("derives the same key as py-key-value (PBKDF2-SHA256, 1 200 000 iterations)", async () => {
    const inner = new MemoryStore();
    const byDerivation = new EncryptionWrapper(inner, { mode: "fernet", sourceMaterial, salt });
    const byKey = new EncryptionWrapper(inner, {
      mode: "fernet",
      fernetKeys: [pythonFernet.derived.fernetKey],
    });
    await byDerivation.put("k", { same: "key" });
    expect(await byKey.get("k")).toEqual({ same: "key" });
  });

  it("reads values written by py-key-value with explicit MultiFernet keys, before and after rotation", async () => {
    const inner = new MemoryStore();
    const store = new EncryptionWrapper(inner, {
      mode: "fernet",
      fernetKeys: pythonFernet.keys.fernetKeys,
    });
    for (const { collection, key, stored } of pythonFernet.keys.entries) {
      await inner.put(key, stored, { collection });
    }
    for (const { collection, key, value } of pythonFernet.keys.entries) {
      expect(await store.get(key, { collection })).toEqual(value);
    }
  });

  it("writes values in py-key-value's stored form (checked by py-key-value itself: check-typescript-fixture.py)", async () => {
    await derived.put("k", { hello: "wörld" });
    const stored = (await derivedInner.get("k")) ?? {};
    expect(Object.keys(stored).sort()).toEqual(["__encrypted_data__", "__encryption_version__"]);
    expect(stored.__encryption_version__).toBe(1);
    const token = Buffer.from(String(stored.__encrypted_data__), "base64").toString("ascii");
    expect(token).toMatch(/^gAAAAA[A-Za-z0-9_-]+=*$/);
    const bytes = Buffer.from(token, "base64url");
    expect(bytes[0]).toBe(0x80);
    expect((bytes.length - 57) % 16).toBe(0);

    const inner = new MemoryStore();
    const keyed = new EncryptionWrapper(inner, {
      mode: "fernet",
      fernetKeys: typescriptFernet.keys.fernetKeys,
    });
    for (const { collection, key, stored: value } of [
      ...typescriptFernet.derived.entries,
      ...typescriptFernet.keys.entries,
    ]) {
      await inner.put(key, value, { collection });
    }
    for (const { collection, key, value } of typescriptFernet.keys.entries) {
      expect(await keyed.get(key, { collection })).toEqual(value);
    }
    const viaDerived = new EncryptionWrapper(inner, {
      mode: "fernet",
      fernetKeys: [pythonFernet.derived.fernetKey],
    });
    for (const { collection, key, value } of typescriptFernet.derived.entries) {
      expect(await viaDerived.get(key, { collection })).toEqual(value);
    }
  });

  it("rejects a flipped bit, a truncated token and a wrong key", async () => {
    const [entry] = pythonFernet.keys.entries;
    if (entry === undefined) throw new Error("empty fixture");
    const inner = new MemoryStore();
    const store = new EncryptionWrapper(inner, {
      mode: "fernet",
      fernetKeys: pythonFernet.keys.fernetKeys,
    });
    const token = Buffer.from(String(entry.stored.__encrypted_data__), "base64").toString("ascii");
    const tokenBytes = Buffer.from(token, "base64url");
    const tampered = (bytes: Buffer) => ({
      ...entry.stored,
      __encrypted_data__: Buffer.from(bytes.toString("base64url"), "ascii").toString("base64"),
    });
    const flipped = Buffer.from(tokenBytes);
    flipped[40] = (flipped[40] ?? 0) ^ 0x01;
    for (const broken of [
      tampered(flipped),
      tampered(tokenBytes.subarray(0, tokenBytes.length - 16)),
    ]) {
      await inner.put("k", broken);
      await decryptionError(store.get("k"));
    }
    await inner.put("k", entry.stored);
    const wrongKey = new EncryptionWrapper(inner, {
      mode: "fernet",
      fernetKeys: [randomBytes(32).toString("base64url")],
    });
    await decryptionError(wrongKey.get("k"));
  });

  it("does not bind a value to its key, as py-key-value does not: a moved value still decrypts", async () => {
    const inner = new MemoryStore();
    const store = new EncryptionWrapper(inner, {
      mode: "fernet",
      fernetKeys: pythonFernet.keys.fernetKeys,
    });
    await store.put("a", { n: 1 });
    await inner.put("b", (await inner.get("a")) ?? {});
    expect(await store.get("b")).toEqual({ n: 1 });
  });

  it("tells the two modes apart: each refuses the other's values with DecryptionError", async () => {
    const inner = new MemoryStore();
    const fernet = new EncryptionWrapper(inner, {
      mode: "fernet",
      fernetKeys: pythonFernet.keys.fernetKeys,
    });
    const gcm = new EncryptionWrapper(inner, { keys: [current] });
    await fernet.put("f", { mode: "fernet" });
    await gcm.put("g", { mode: "gcm" });
    expect((await decryptionError(gcm.get("f"))).message).toContain("Fernet");
    expect((await decryptionError(fernet.get("g"))).message).toContain("AES-256-GCM");
  });

  it("refuses incomplete or conflicting Fernet options at construction", () => {
    const inner = new MemoryStore();
    const loose = (options: unknown) =>
      new EncryptionWrapper(inner, options as ConstructorParameters<typeof EncryptionWrapper>[1]);
    expect(() => loose({ mode: "fernet", sourceMaterial: "s" })).toThrow("salt");
    expect(() => loose({ mode: "fernet", sourceMaterial: " ", salt: "x" })).toThrow(TypeError);
    expect(() => loose({ mode: "fernet", fernetKeys: ["short"] })).toThrow(TypeError);
    expect(() =>
      loose({
        mode: "fernet",
        fernetKeys: pythonFernet.keys.fernetKeys,
        sourceMaterial: "s",
        salt: "x",
      }),
    ).toThrow("either");
  });
});

describe("the default collection", () => {
  it("binds values written without a collection to the inner store's default, through other wrappers", async () => {
    class PassThrough extends BaseWrapper {}
    const inner = new PassThrough(new MemoryStore({ defaultCollection: "main" }));
    const { store } = aes(inner);
    await store.put("k", { secret: 1 });
    expect(await store.get("k", { collection: "main" })).toEqual({ secret: 1 });
  });
});
