import { rejection } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import { InvalidKeyError, InvalidTtlError, KeyValueError, SerializationError } from "@kv/protocol";
import { ValidationError as StandardValidationError } from "@kv/standard-schema";
import { ValidationError, ZodAdapter } from "@kv/zod";
import { beforeEach, describe, expect, it } from "vitest";
import * as z from "zod";
import * as zm from "zod/mini";
import { describeOverStores } from "./over-stores.ts";

const User = z.object({
  name: z.string().min(1),
  email: z.string().trim().toLowerCase(),
  age: z.number().int().nonnegative().default(0),
});

describeOverStores("ZodAdapter", (t) => {
  describe("writes", () => {
    it("stores the schema's output (defaults and transforms applied) and reads it back", async () => {
      const users = new ZodAdapter(t.store, User);
      await users.put("u1", { name: "Ada", email: "  ADA@Example.com " });
      expect(await users.get("u1")).toEqual({ name: "Ada", email: "ada@example.com", age: 0 });
      expect(await t.store.get("u1")).toEqual({ name: "Ada", email: "ada@example.com", age: 0 });
    });

    it("rejects an invalid model with a ValidationError carrying zod's issues and writes nothing", async () => {
      const users = new ZodAdapter(t.store, User, { defaultCollection: "users" });
      await users.put("u1", { name: "Ada", email: "ada@example.com" });
      const error = await rejection(users.put("u1", { name: "", email: "ada@example.com" }));
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toBeInstanceOf(KeyValueError);
      expect(error).toMatchObject({
        name: "ValidationError",
        code: "VALIDATION",
        operation: "put",
        collection: "users",
        key: "u1",
        issues: [expect.objectContaining({ code: "too_small", path: ["name"] })],
      });
      expect(String((error as Error).message)).toContain("name:");
      expect(await users.get("u1")).toEqual({ name: "Ada", email: "ada@example.com", age: 0 });
    });

    it("putMany writes nothing when any entry is invalid, and names that entry's key", async () => {
      const users = new ZodAdapter(t.store, User);
      const error = await rejection(
        users.putMany([
          ["a", { name: "A", email: "a@example.com" }],
          ["b", { name: "B", email: "b@example.com", age: -1 }],
          ["c", { name: "C", email: "c@example.com" }],
        ]),
      );
      expect(ValidationError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ operation: "putMany", key: "b" });
      expect((error as ValidationError).issues[0]?.path).toEqual(["age"]);
      expect(await t.store.getMany(["a", "b", "c"])).toEqual([undefined, undefined, undefined]);
    });

    it("putMany writes every valid model with one TTL", async () => {
      const users = new ZodAdapter(t.store, User, { defaultCollection: "users" });
      await users.putMany(
        [
          ["a", { name: "A", email: "A@example.com" }],
          ["b", { name: "B", email: "b@example.com", age: 3 }],
        ],
        { ttl: 60 },
      );
      const found = await users.ttlMany(["a", "b"]);
      expect(found).toEqual([
        [{ name: "A", email: "a@example.com", age: 0 }, expect.any(Number)],
        [{ name: "B", email: "b@example.com", age: 3 }, expect.any(Number)],
      ]);
      expect(found[0]?.[1]).toBeGreaterThan(50);
      expect(found[1]?.[1]).toBeLessThanOrEqual(60);
    });

    it("leaves key, TTL and JSON checks to the store, with nothing written", async () => {
      const users = new ZodAdapter(t.store, User);
      const valid = { name: "A", email: "a@example.com" };
      expect(await rejection(users.put("", valid))).toBeInstanceOf(InvalidKeyError);
      expect(await rejection(users.put("k", valid, { ttl: 0 }))).toBeInstanceOf(InvalidTtlError);
      const loose = new ZodAdapter(t.store, z.object({ at: z.unknown() }));
      expect(await rejection(loose.put("k", { at: 10n }))).toBeInstanceOf(SerializationError);
      expect(await t.store.get("k")).toBeUndefined();
    });

    it("runs async refinements and transforms", async () => {
      const taken = new Set(["root"]);
      const Account = z.object({
        login: z.string().refine(async (login) => !taken.has(login), "login is taken"),
      });
      const accounts = new ZodAdapter(t.store, Account);
      await accounts.put("a", { login: "ada" });
      expect(await accounts.get("a")).toEqual({ login: "ada" });
      const error = await rejection(accounts.put("b", { login: "root" }));
      expect(error).toMatchObject({
        issues: [expect.objectContaining({ message: "login is taken" })],
      });
    });

    it("accepts zod/mini schemas", async () => {
      const counters = new ZodAdapter(t.store, zm.object({ count: zm.number() }));
      await counters.put("c", { count: 1 });
      expect(await counters.get("c")).toEqual({ count: 1 });
      expect(await rejection(counters.put("c", { count: Number.NaN }))).toBeInstanceOf(
        ValidationError,
      );
    });
  });

  describe("reads", () => {
    it("reads a missing key as undefined", async () => {
      const users = new ZodAdapter(t.store, User);
      expect(await users.get("nope")).toBeUndefined();
      expect(await users.getMany(["nope", "nada"])).toEqual([undefined, undefined]);
      expect(await users.ttl("nope")).toEqual([undefined, undefined]);
      expect(await users.ttlMany(["nope"])).toEqual([[undefined, undefined]]);
    });

    it("getMany and ttlMany keep the order and length of the keys, duplicates included", async () => {
      const users = new ZodAdapter(t.store, User);
      await users.put("a", { name: "A", email: "a@x" }, { ttl: 100 });
      await users.put("b", { name: "B", email: "b@x" });
      const many = await users.getMany(["b", "missing", "a", "b"]);
      expect(many.map((user) => user?.name)).toEqual(["B", undefined, "A", "B"]);
      const withTtl = await users.ttlMany(["a", "missing", "b"]);
      expect(withTtl.map(([user]) => user?.name)).toEqual(["A", undefined, "B"]);
      expect(withTtl[0]?.[1]).toBeGreaterThan(90);
      expect(withTtl[2]?.[1]).toBeUndefined();
    });

    it("delete and deleteMany remove models", async () => {
      const users = new ZodAdapter(t.store, User, { defaultCollection: "users" });
      await users.putMany([
        ["a", { name: "A", email: "a@x" }],
        ["b", { name: "B", email: "b@x" }],
        ["c", { name: "C", email: "c@x" }],
      ]);
      expect(await users.delete("a")).toBe(true);
      expect(await users.delete("a")).toBe(false);
      expect(await users.deleteMany(["b", "c", "d"])).toBe(2);
      expect(await t.store.getMany(["a", "b", "c"], { collection: "users" })).toEqual([
        undefined,
        undefined,
        undefined,
      ]);
    });
  });

  describe("collections", () => {
    it("uses the adapter's default collection, and a call's collection over it", async () => {
      const users = new ZodAdapter(t.store, User, { defaultCollection: "users" });
      await users.put("u1", { name: "In users", email: "u@x" });
      await users.put("u1", { name: "In admins", email: "a@x" }, { collection: "admins" });
      expect(await t.store.get("u1", { collection: "users" })).toMatchObject({ name: "In users" });
      expect(await t.store.get("u1", { collection: "admins" })).toMatchObject({
        name: "In admins",
      });
      expect(await t.store.get("u1")).toBeUndefined();
      expect((await users.get("u1", { collection: "admins" }))?.name).toBe("In admins");
    });

    it("defers to the store's default collection when it has none", async () => {
      const users = new ZodAdapter(t.store, User);
      await users.put("u1", { name: "Ada", email: "a@x" });
      expect(await t.store.get("u1")).toMatchObject({ name: "Ada" });
      expect(users.defaultCollection).toBeUndefined();
    });

    it("names the collection it used in errors, the store's default included", async () => {
      const users = new ZodAdapter(t.store, User);
      const error = await rejection(users.put("u1", { name: "", email: "a@x" }));
      expect(error).toMatchObject({ collection: "default_collection" });
      expect((error as Error).message).toContain("collection: default_collection");
    });

    it("rejects a bad default collection and an unknown policy when constructed", () => {
      expect(() => new ZodAdapter(t.store, User, { defaultCollection: "" })).toThrow(
        InvalidKeyError,
      );
      // @ts-expect-error: not a policy
      expect(() => new ZodAdapter(t.store, User, { onInvalid: "ignore" })).toThrow(TypeError);
    });
  });

  describe("schemas whose output is not an object", () => {
    const cases: [label: string, schema: z.ZodType, input: unknown, model: unknown][] = [
      [
        "an array",
        z.array(User),
        [{ name: "A", email: "A@x" }],
        [{ name: "A", email: "a@x", age: 0 }],
      ],
      ["a string", z.string(), "hello", "hello"],
      ["a number", z.number(), 42, 42],
      ["a boolean", z.boolean(), false, false],
      ["null", z.null(), null, null],
      ["a tuple", z.tuple([z.string(), z.number()]), ["x", 1], ["x", 1]],
      ["a union", z.union([z.string(), z.number()]), 7, 7],
      [
        "a union of objects",
        z.union([z.object({ a: z.string() }), z.object({ b: z.number() })]),
        { b: 2 },
        { b: 2 },
      ],
      ["a nullable object", User.nullable(), null, null],
      [
        "an object through a bare transform",
        z.object({ a: z.string() }).transform((o) => o),
        { a: "x" },
        { a: "x" },
      ],
    ];

    it.each(cases)(
      "wraps %s as { items: ... } and round-trips it",
      async (_label, schema, input, model) => {
        const adapter = new ZodAdapter(t.store, schema);
        expect(adapter.wrapped).toBe(true);
        await adapter.put("k", input);
        expect(await t.store.get("k")).toEqual({ items: model });
        expect(await adapter.get("k")).toEqual(model);
        expect(await adapter.getMany(["k", "missing"])).toEqual([model, undefined]);
        expect((await adapter.ttl("k"))[0]).toEqual(model);
      },
    );

    it("reads a list model stored in py-key-value's envelope", async () => {
      await t.store.put("k", { items: [1, 2, 3] }, { collection: "lists" });
      const lists = new ZodAdapter(t.store, z.array(z.number()), { defaultCollection: "lists" });
      expect(await lists.get("k")).toEqual([1, 2, 3]);
    });

    it("stores objects, records, intersections and object pipes unwrapped", async () => {
      const objects = [
        User,
        z.record(z.string(), z.number()),
        z.intersection(z.object({ a: z.string() }), z.object({ b: z.string() })),
        z.strictObject({ a: z.string() }),
        z.preprocess((input) => input, User),
        User.default({ name: "D", email: "d@x", age: 0 }),
        z.lazy(() => User),
      ];
      for (const schema of objects) expect(new ZodAdapter(t.store, schema).wrapped).toBe(false);
      const scores = new ZodAdapter(t.store, z.record(z.string(), z.number()));
      await scores.put("s", { ada: 3 });
      expect(await t.store.get("s")).toEqual({ ada: 3 });
    });

    it("wraps an object decoded from a string, and the wrapped option overrides the decision", async () => {
      const fromText = z.codec(z.string(), z.object({ n: z.number() }), {
        decode: (text) => ({ n: Number(text) }),
        encode: (object) => String(object.n),
      });
      const texts = new ZodAdapter(t.store, fromText);
      expect(texts.wrapped).toBe(true);
      await texts.put("t", { n: 3 });
      expect(await t.store.get("t")).toEqual({ items: "3" });
      expect(await texts.get("t")).toEqual({ n: 3 });
      const bare = z.object({ a: z.string() }).transform((o) => o);
      const unwrapped = new ZodAdapter(t.store, bare, { wrapped: false });
      expect(unwrapped.wrapped).toBe(false);
      await unwrapped.put("b", { a: "x" });
      expect(await t.store.get("b")).toEqual({ a: "x" });
      expect(await unwrapped.get("b")).toEqual({ a: "x" });
      expect(new ZodAdapter(t.store, User, { wrapped: true }).wrapped).toBe(true);
    });

    it("wraps an optional object, so a stored model is never undefined", async () => {
      const maybe = new ZodAdapter(t.store, User.optional());
      expect(maybe.wrapped).toBe(true);
      await maybe.put("k", { name: "A", email: "a@x" });
      expect(await t.store.get("k")).toEqual({ items: { name: "A", email: "a@x", age: 0 } });
    });
  });

  it("models and their envelopes survive reopening the store", async () => {
    await new ZodAdapter(t.store, User).put("u1", { name: "Ada", email: "A@x" });
    await new ZodAdapter(t.store, z.array(z.number())).put("l1", [1, 2]);
    const reopened = t.reopen();
    expect(await new ZodAdapter(reopened, User).get("u1")).toEqual({
      name: "Ada",
      email: "a@x",
      age: 0,
    });
    expect(await new ZodAdapter(reopened, z.array(z.number())).get("l1")).toEqual([1, 2]);
    expect(await reopened.get("l1")).toEqual({ items: [1, 2] });
  });

  describe("invalid data already in the store", () => {
    const stale = { fullName: "Ada Lovelace" };

    beforeEach(async () => {
      await t.store.putMany(
        [
          ["old", stale],
          ["new", { name: "Ada", email: "ada@x", age: 36 }],
        ],
        { collection: "users", ttl: 3600 },
      );
    });

    it('"throw" (the default) throws a ValidationError and keeps the entry', async () => {
      const users = new ZodAdapter(t.store, User, { defaultCollection: "users" });
      for (const read of [
        () => users.get("old"),
        () => users.getMany(["new", "old"]),
        () => users.ttl("old"),
        () => users.ttlMany(["new", "old"]),
      ]) {
        const error = await rejection(read());
        expect(error).toBeInstanceOf(ValidationError);
        expect(error).toMatchObject({ collection: "users", key: "old" });
        expect((error as Error).message).toMatch(/^Stored value does not match the schema/);
      }
      expect(await t.store.get("old", { collection: "users" })).toEqual(stale);
    });

    it('"undefined" reads it as undefined and keeps the entry', async () => {
      const users = new ZodAdapter(t.store, User, {
        defaultCollection: "users",
        onInvalid: "undefined",
      });
      expect(await users.get("old")).toBeUndefined();
      expect((await users.getMany(["new", "old"])).map((user) => user?.name)).toEqual([
        "Ada",
        undefined,
      ]);
      expect(await users.ttl("old")).toEqual([undefined, undefined]);
      const found = await users.ttlMany(["new", "old"]);
      expect(found[0]?.[0]?.name).toBe("Ada");
      expect(found[0]?.[1]).toBeGreaterThan(3000);
      expect(found[1]).toEqual([undefined, undefined]);
      expect(await t.store.get("old", { collection: "users" })).toEqual(stale);
    });

    it('"delete" reads it as undefined and deletes the entry', async () => {
      const users = new ZodAdapter(t.store, User, {
        defaultCollection: "users",
        onInvalid: "delete",
      });
      expect((await users.getMany(["old", "new", "old"])).map((user) => user?.name)).toEqual([
        undefined,
        "Ada",
        undefined,
      ]);
      expect(await t.store.getMany(["old", "new"], { collection: "users" })).toEqual([
        undefined,
        { name: "Ada", email: "ada@x", age: 36 },
      ]);
    });

    it('"delete" works for get, ttl and ttlMany too', async () => {
      const users = new ZodAdapter(t.store, User, {
        defaultCollection: "users",
        onInvalid: "delete",
      });
      const gone = async () =>
        expect(await t.store.get("old", { collection: "users" })).toBeUndefined();
      expect(await users.get("old")).toBeUndefined();
      await gone();
      await t.store.put("old", stale, { collection: "users" });
      expect(await users.ttl("old")).toEqual([undefined, undefined]);
      await gone();
      await t.store.put("old", stale, { collection: "users" });
      expect(await users.ttlMany(["old"])).toEqual([[undefined, undefined]]);
      await gone();
    });

    it("a call's onInvalid overrides the adapter's", async () => {
      const users = new ZodAdapter(t.store, User, { defaultCollection: "users" });
      expect(await users.get("old", { onInvalid: "undefined" })).toBeUndefined();
      expect(await t.store.get("old", { collection: "users" })).toEqual(stale);
      expect(await users.get("old", { onInvalid: "delete" })).toBeUndefined();
      expect(await t.store.get("old", { collection: "users" })).toBeUndefined();
    });

    it("an envelope-less value under a wrapped schema is invalid", async () => {
      await t.store.put("list", { values: [1] }, { collection: "lists" });
      const lists = new ZodAdapter(t.store, z.array(z.number()), { defaultCollection: "lists" });
      expect(await rejection(lists.get("list"))).toBeInstanceOf(ValidationError);
      expect(await lists.get("list", { onInvalid: "undefined" })).toBeUndefined();
    });
  });

  describe("migrating old shapes on read", () => {
    const UserV1 = z.object({ fullName: z.string() });
    const UserV2 = z.object({ firstName: z.string(), lastName: z.string() });
    const upgrade = ({ fullName }: z.output<typeof UserV1>) => {
      const [firstName = "", ...rest] = fullName.split(" ");
      return { firstName, lastName: rest.join(" ") };
    };

    it("a union with a transform, piped into the current schema, upgrades old entries", async () => {
      await t.store.put("u1", { fullName: "Ada Lovelace" });
      const users = new ZodAdapter(
        t.store,
        z.union([UserV2, UserV1.transform(upgrade)]).pipe(UserV2),
      );
      expect(users.wrapped).toBe(false);
      expect(await users.get("u1")).toEqual({ firstName: "Ada", lastName: "Lovelace" });
      await users.put("u2", { fullName: "Grace Hopper" });
      expect(await t.store.get("u2")).toEqual({ firstName: "Grace", lastName: "Hopper" });
      await users.put("u3", { firstName: "Alan", lastName: "Turing" });
      expect(await users.getMany(["u1", "u2", "u3"])).toEqual([
        { firstName: "Ada", lastName: "Lovelace" },
        { firstName: "Grace", lastName: "Hopper" },
        { firstName: "Alan", lastName: "Turing" },
      ]);
    });

    it("a preprocess step upgrades old entries before the current schema checks them", async () => {
      await t.store.put("u1", { fullName: "Ada Lovelace" });
      const users = new ZodAdapter(
        t.store,
        z.preprocess((stored) => {
          const old = UserV1.safeParse(stored);
          return old.success ? upgrade(old.data) : stored;
        }, UserV2),
      );
      expect(await users.get("u1")).toEqual({ firstName: "Ada", lastName: "Lovelace" });
      expect(await t.store.get("u1")).toEqual({ fullName: "Ada Lovelace" });
      const upgraded = await users.get("u1");
      if (upgraded !== undefined) await users.put("u1", upgraded);
      expect(await t.store.get("u1")).toEqual({ firstName: "Ada", lastName: "Lovelace" });
    });
  });
});

describe("ValidationError", () => {
  it("is branded, so isInstance recognises it across copies of the package", () => {
    const error = new ValidationError({ issues: [], key: "k" });
    expect(ValidationError.isInstance(error)).toBe(true);
    expect(KeyValueError.isInstance(error)).toBe(true);
    expect(ValidationError.isInstance(new KeyValueError())).toBe(false);
    expect(ValidationError.isInstance({ [Symbol.for("@kv/error/ValidationError")]: true })).toBe(
      true,
    );
    expect(error.name).toBe("ValidationError");
    expect(error.code).toBe("VALIDATION");
    expect(error.message).toContain("(key: k)");
  });

  it("shares its brand with @kv/standard-schema's ValidationError", async () => {
    const error = await rejection(new ZodAdapter(new MemoryStore(), User).put("k", {} as never));
    expect(error).toBeInstanceOf(ValidationError);
    expect(StandardValidationError.isInstance(error)).toBe(true);
    expect(ValidationError.isInstance(new StandardValidationError({ issues: [] }))).toBe(true);
  });

  it("lists the first three issues in its message", () => {
    const result = z
      .object({ a: z.string(), b: z.string(), c: z.string(), d: z.string() })
      .safeParse({});
    const error = new ValidationError({ issues: result.error?.issues ?? [], operation: "put" });
    expect(error.message).toMatch(
      /^Value does not match the schema: a: .*; b: .*; c: .*; and 1 more/,
    );
  });
});
