import {
  type KeyRule,
  KeyValidationWrapper,
  type KeyValidationWrapperOptions,
  VALID_KEY_REGEXP,
  VALID_KEY_REGEXP_EXTENDED,
} from "@kv/key-validation";
import { MemoryStore } from "@kv/memory";
import { capabilityNames, InvalidKeyError, supports, supportsEntries } from "@kv/protocol";
import { describe, expect, it } from "vitest";

// Every character simplekv's VALID_KEY_RE matches, listed by running it over all of Unicode
// (simplekv 0.11, Python 3): the backslash is one, though its docstring leaves it out.
const SIMPLEKV_CHARACTERS =
  "!\"#$%&'()+,-.0123456789<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{}~";

function setup(options: KeyValidationWrapperOptions) {
  const inner = new MemoryStore();
  return { inner, store: new KeyValidationWrapper(inner, options) };
}

async function refusal(call: () => Promise<unknown>): Promise<InvalidKeyError> {
  const error = await call().then(
    () => new Error("the call succeeded"),
    (thrown: unknown) => thrown,
  );
  expect(InvalidKeyError.isInstance(error), String(error)).toBe(true);
  return error as InvalidKeyError;
}

describe("VALID_KEY_REGEXP", () => {
  it("matches a single character exactly when simplekv's expression does, over the whole BMP", () => {
    const allowed = new Set(SIMPLEKV_CHARACTERS);
    for (let code = 0; code <= 0xffff; code++) {
      const character = String.fromCharCode(code);
      expect(VALID_KEY_REGEXP.test(character), `U+${code.toString(16)}`).toBe(
        allowed.has(character),
      );
    }
    expect(VALID_KEY_REGEXP.test("😀")).toBe(false);
  });

  it("accepts keys made of letters, digits and !\"#$%&'()+,-.<=>?@[\\]^_`{}~", () => {
    for (const key of [
      "user-1",
      "a.b_c~d",
      "[x]{y}",
      "back\\slash",
      "`tick`",
      "50%+1=<ok>?",
      "x".repeat(250),
    ]) {
      expect(VALID_KEY_REGEXP.test(key), key).toBe(true);
    }
  });

  it("refuses empty keys, '/', spaces, '*', ':', control characters and non-ASCII letters", () => {
    for (const key of ["", "a/b", "a b", "a*b", "a:b", "a;b", "a|b", "tab\t", "é", "ключ"]) {
      expect(VALID_KEY_REGEXP.test(key), key).toBe(false);
    }
  });

  it("refuses a trailing newline, which Python's $ lets through", () => {
    expect(VALID_KEY_REGEXP.test("key\n")).toBe(false);
    expect(VALID_KEY_REGEXP.test("\nkey")).toBe(false);
  });

  it("has an extended form that also accepts '/' and spaces, as simplekv's does", () => {
    expect(VALID_KEY_REGEXP_EXTENDED.test("reports/2024 q1.csv")).toBe(true);
    for (const key of ["", "tab\t", "é", "a\\b/c d~"]) {
      expect(VALID_KEY_REGEXP_EXTENDED.test(key), key).toBe(key === "a\\b/c d~");
    }
  });
});

describe("KeyValidationWrapper", () => {
  it("refuses a bad key with InvalidKeyError in every call that takes keys", async () => {
    const { store } = setup({ key: VALID_KEY_REGEXP });
    const calls: (() => Promise<unknown>)[] = [
      () => store.get("a/b"),
      () => store.getMany(["ok", "a/b"]),
      () => store.ttl("a/b"),
      () => store.ttlMany(["a/b"]),
      () => store.put("a/b", { n: 1 }),
      () => store.putMany([["a/b", { n: 1 }]]),
      () => store.delete("a/b"),
      () => store.deleteMany(["ok", "a/b"]),
    ];
    for (const call of calls) await refusal(call);
    expect(await store.get("ok")).toBeUndefined();
  });

  it("refuses a bad key in whole-entry access too, writing none of the entries", async () => {
    const { inner, store } = setup({ key: VALID_KEY_REGEXP });
    expect(supportsEntries(store)).toBe(supportsEntries(inner));
    if (!supportsEntries(store)) return;
    const entry = { value: { n: 1 }, createdAt: Date.now(), expiresAt: undefined };
    await refusal(() =>
      store.writeEntries([
        ["fine", entry],
        ["a/b", entry],
      ]),
    );
    expect(await inner.get("fine")).toBeUndefined();
    await refusal(() => store.readEntries(["fine", "a/b"]));
    await store.writeEntries([["fine", entry]]);
    expect((await store.readEntries(["fine"]))[0]?.value).toEqual({ n: 1 });
  });

  it("writes nothing when any key of a bulk call is bad", async () => {
    const { inner, store } = setup({ key: VALID_KEY_REGEXP });
    await store.put("kept", { n: 1 });
    await refusal(() =>
      store.putMany([
        ["fine", { n: 1 }],
        ["not fine", { n: 2 }],
      ]),
    );
    expect(await inner.keys()).toEqual(["kept"]);
    await refusal(() => store.deleteMany(["kept", "not fine"]));
    expect(await inner.get("kept")).toEqual({ n: 1 });
  });

  it("names the key, its collection and the rule", async () => {
    const { store } = setup({ key: VALID_KEY_REGEXP });
    const error = await refusal(() => store.put("a b", { n: 1 }, { collection: "users" }));
    expect(error.key).toBe("a b");
    expect(error.collection).toBe("users");
    expect(error.code).toBe("INVALID_KEY");
    expect(error.transient).toBe(false);
    expect(error.message).toContain(String(VALID_KEY_REGEXP));
    expect(error.message).toContain("a b");
    const named = setup({
      key: function isLowerCase(key) {
        return key === key.toLowerCase();
      },
    }).store;
    expect((await refusal(() => named.get("Ada"))).message).toContain("refused by isLowerCase");
  });

  it("passes valid keys, values and listings through unchanged", async () => {
    const { inner, store } = setup({ key: VALID_KEY_REGEXP });
    await inner.put("written/around", { n: 0 });
    await store.put("user-1", { name: "Ada" }, { ttl: 60 });
    await store.putMany([["user-2", { name: "Grace" }]]);
    expect(await store.get("user-1")).toEqual({ name: "Ada" });
    expect((await store.ttl("user-1"))[1]).toBeGreaterThan(59);
    expect((await store.keys?.())?.sort()).toEqual(["user-1", "user-2", "written/around"]);
    expect(await store.delete("user-1")).toBe(true);
    expect(await store.deleteMany(["user-1", "user-2"])).toBe(1);
  });

  it("checks collection names when given a collection rule, in calls and capabilities", async () => {
    const { inner, store } = setup({ collection: /^[a-z]+$/ });
    await inner.put("k", { n: 1 }, { collection: "Bad" });
    const calls: (() => Promise<unknown>)[] = [
      () => store.get("k", { collection: "Bad" }),
      () => store.put("k", { n: 1 }, { collection: "Bad" }),
      () => store.deleteMany(["k"], { collection: "Bad" }),
      async () => store.keys?.({ collection: "Bad" }),
      async () => store.destroyCollection?.("Bad"),
    ];
    for (const call of calls) {
      const error = await refusal(call);
      expect(error.collection).toBe("Bad");
      expect(error.message).toContain("Collection name does not match /^[a-z]+$/");
    }
    await refusal(async () => {
      for await (const key of store.iterateKeys?.({ collection: "Bad" }) ?? []) void key;
    });
    expect(await inner.get("k", { collection: "Bad" })).toEqual({ n: 1 });
    expect(await store.collections?.()).toEqual(["Bad"]);
  });

  it("always lets the default collection through, and checks no key without a key rule", async () => {
    const { store } = setup({ collection: /^[a-z]+$/ });
    await store.put("Any Key/at all", { n: 1 });
    expect(await store.get("Any Key/at all", { collection: "default_collection" })).toEqual({
      n: 1,
    });
  });

  it("checks input with the protocol's rules first", async () => {
    const { store } = setup({ key: () => true });
    const error = await refusal(() => store.get(""));
    expect(error.message).toContain("must not be empty");
  });

  it("turns an error thrown by a validator into InvalidKeyError with it as cause", async () => {
    const cause = new Error("must start with a letter");
    const { store } = setup({
      key: function startsWithLetter(key) {
        if (!/^[a-z]/i.test(key)) throw cause;
        return true;
      },
    });
    const error = await refusal(() => store.put("1st", { n: 1 }));
    expect(error.cause).toBe(cause);
    expect(error.message).toContain("is refused by startsWithLetter: must start with a letter");
    const own = new InvalidKeyError({ message: "reserved" });
    const passthrough = setup({
      key: () => {
        throw own;
      },
    }).store;
    expect(await refusal(() => passthrough.get("k"))).toBe(own);
  });

  it("refuses a validator that answers with a promise with TypeError", async () => {
    const { store } = setup({ key: (async () => true) as unknown as KeyRule });
    await expect(store.get("k")).rejects.toThrow(TypeError);
  });

  it("answers the same every time for a RegExp with the g or y flag", async () => {
    const { store } = setup({ key: /^[a-z]+$/gy });
    for (let attempt = 0; attempt < 3; attempt++) {
      await store.put("abc", { n: attempt });
    }
    expect(await store.get("abc")).toEqual({ n: 2 });
  });

  it("reports every refusal as a rejected promise, never a synchronous throw", async () => {
    const { store } = setup({ key: VALID_KEY_REGEXP, collection: VALID_KEY_REGEXP });
    const pending = [
      store.delete("a/b"),
      store.deleteMany(["a/b"]),
      store.delete("k", { collection: "a/b" }),
      store.keys?.({ collection: "a/b" }),
      store.destroyCollection?.("a/b"),
    ];
    for (const promise of pending) await expect(promise).rejects.toThrow(InvalidKeyError);
  });

  it("offers exactly the capabilities of the inner store", () => {
    const { inner, store } = setup({ key: VALID_KEY_REGEXP });
    for (const capability of capabilityNames) {
      expect(supports(store, capability), capability).toBe(supports(inner, capability));
    }
  });

  it("refuses options without a rule, or with a rule that is not a RegExp or function, with TypeError", () => {
    const inner = new MemoryStore();
    expect(() => new KeyValidationWrapper(inner, {})).toThrow(TypeError);
    expect(
      () => new KeyValidationWrapper(inner, undefined as unknown as KeyValidationWrapperOptions),
    ).toThrow(TypeError);
    expect(() => new KeyValidationWrapper(inner, { key: "^[a-z]+$" as unknown as RegExp })).toThrow(
      TypeError,
    );
  });
});
