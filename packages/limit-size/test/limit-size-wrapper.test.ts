import { expectOffers, withoutCapabilities } from "@kv/conformance";
import { EntryTooLargeError, EntryTooSmallError, LimitSizeWrapper } from "@kv/limit-size";
import { MemoryStore } from "@kv/memory";
import {
  BaseWrapper,
  capabilityNames,
  InvalidKeyError,
  KeyValueError,
  SerializationError,
} from "@kv/protocol";
import { describe, expect, it } from "vitest";

/** `{"s":"…"}` is 8 bytes of JSON around the string's own UTF-8 bytes. */
const sized = (text: string) => ({ s: text });

describe("LimitSizeWrapper", () => {
  it("counts multibyte characters as bytes of UTF-8, not string length", async () => {
    const inner = new MemoryStore();
    const store = new LimitSizeWrapper(inner, { maxBytes: 16 });
    // "é" is 1 UTF-16 unit but 2 bytes; "🙂" is 2 units but 4 bytes
    await store.put("ascii", sized("abcdefgh")); // 16 bytes: exactly the limit
    // 13 UTF-16 units of JSON, 18 bytes
    await expect(store.put("accents", sized("éééé£"))).rejects.toThrow(EntryTooLargeError);
    // 14 UTF-16 units of JSON, 20 bytes
    await expect(store.put("emoji", sized("🙂🙂🙂"))).rejects.toThrow(EntryTooLargeError);
    expect(await inner.getMany(["ascii", "accents", "emoji"])).toEqual([
      sized("abcdefgh"),
      undefined,
      undefined,
    ]);
  });

  it("accepts a value of exactly maxBytes and refuses one byte more", async () => {
    const store = new LimitSizeWrapper(new MemoryStore(), { maxBytes: 11 });
    await store.put("at-limit", sized("日")); // 8 + 3 = 11 bytes
    const error = await store
      .put("over", sized("日a"), { collection: "users" })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EntryTooLargeError);
    expect(error).toBeInstanceOf(KeyValueError);
    expect(EntryTooLargeError.isInstance(error)).toBe(true);
    expect(EntryTooSmallError.isInstance(error)).toBe(false);
    const tooLarge = error as EntryTooLargeError;
    expect([tooLarge.name, tooLarge.code, tooLarge.size, tooLarge.limit]).toEqual([
      "EntryTooLargeError",
      "ENTRY_TOO_LARGE",
      12,
      11,
    ]);
    expect(tooLarge.message).toContain("collection: users");
    expect(tooLarge.message).toContain("key: over");
    expect(await store.get("at-limit")).toEqual(sized("日"));
  });

  it("skips a value that is too large without an error when throwOnTooLarge is false", async () => {
    const inner = new MemoryStore();
    const store = new LimitSizeWrapper(inner, { maxBytes: 20, throwOnTooLarge: false });
    await store.put("k", { old: true });
    await store.put("k", sized("x".repeat(100)));
    expect(await store.get("k")).toEqual({ old: true });
  });

  it("skips a value that is too small silently by default", async () => {
    const store = new LimitSizeWrapper(new MemoryStore(), { minBytes: 10 });
    await store.put("tiny", {});
    await store.put("enough", sized("ab"));
    expect(await store.getMany(["tiny", "enough"])).toEqual([undefined, sized("ab")]);
  });

  it("throws EntryTooSmallError when throwOnTooSmall is true", async () => {
    const store = new LimitSizeWrapper(new MemoryStore(), { minBytes: 10, throwOnTooSmall: true });
    const error = await store.put("tiny", { a: 1 }).catch((caught: unknown) => caught);
    expect(EntryTooSmallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      name: "EntryTooSmallError",
      code: "ENTRY_TOO_SMALL",
      size: 7,
      limit: 10,
    });
  });

  it("filters putMany entry by entry when limits skip silently", async () => {
    const store = new LimitSizeWrapper(new MemoryStore(), {
      minBytes: 10,
      maxBytes: 20,
      throwOnTooLarge: false,
    });
    await store.putMany(
      [
        ["small", {}],
        ["fits", sized("fits")],
        ["large", sized("x".repeat(50))],
        ["fits-too", sized("ünï")],
      ],
      { collection: "c" },
    );
    expect(
      await store.getMany(["small", "fits", "large", "fits-too"], { collection: "c" }),
    ).toEqual([undefined, sized("fits"), undefined, sized("ünï")]);
  });

  it("writes nothing from putMany when one entry throws", async () => {
    const store = new LimitSizeWrapper(new MemoryStore(), { maxBytes: 20 });
    await expect(
      store.putMany([
        ["fits", sized("fits")],
        ["large", sized("x".repeat(50))],
      ]),
    ).rejects.toThrow(EntryTooLargeError);
    expect(await store.getMany(["fits", "large"])).toEqual([undefined, undefined]);
  });

  it("reports bad input with the protocol's errors before measuring", async () => {
    const store = new LimitSizeWrapper(new MemoryStore(), { maxBytes: 1, throwOnTooLarge: false });
    const loose = store as unknown as {
      put(key: unknown, value: unknown): Promise<void>;
      putMany(entries: unknown): Promise<void>;
    };
    await expect(loose.put("k", { big: 1n })).rejects.toThrow(SerializationError);
    await expect(loose.put("", { a: 1 })).rejects.toThrow(InvalidKeyError);
    await expect(loose.putMany([["k", { f: () => 1 }]])).rejects.toThrow(SerializationError);
    await expect(loose.putMany([[42, { a: 1 }]])).rejects.toThrow(InvalidKeyError);
  });

  it("does not limit reads", async () => {
    const inner = new MemoryStore();
    await inner.put("big", sized("x".repeat(100)));
    const store = new LimitSizeWrapper(inner, { maxBytes: 10 });
    expect(await store.get("big")).toEqual(sized("x".repeat(100)));
  });

  it("offers exactly the capabilities of the inner store", () => {
    const full = new LimitSizeWrapper(new MemoryStore());
    expectOffers(full, { keys: true, collections: true, destroy: true });
    class Bare extends BaseWrapper {}
    const plain = withoutCapabilities(new MemoryStore(), ...capabilityNames);
    const bare = new LimitSizeWrapper(new Bare(plain));
    expectOffers(bare, { keys: false, collections: false, destroy: false });
  });

  it("refuses limits that are negative or crossed", () => {
    const inner = new MemoryStore();
    expect(() => new LimitSizeWrapper(inner, { maxBytes: -1 })).toThrow(RangeError);
    expect(() => new LimitSizeWrapper(inner, { minBytes: 10, maxBytes: 5 })).toThrow(RangeError);
  });
});
