import { useStore } from "@kv/conformance";
import { InvalidKeyError, type KeyValue, KeyValueError, SerializationError } from "@kv/protocol";
import { StandardSchemaAdapter, ValidationError } from "@kv/standard-schema";
import { toStandardJsonSchema } from "@valibot/to-json-schema";
import { type } from "arktype";
import * as v from "valibot";
import { beforeEach, describe, expect, it } from "vitest";
import { storeFactories } from "./stores.ts";

const at = new Date("2026-11-23T05:04:57.123Z");

const User = v.object({
  name: v.pipe(v.string(), v.minLength(1)),
  email: v.pipe(v.string(), v.trim(), v.toLowerCase()),
  age: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 0),
});

/** valibot: an ISO-8601 string in, a `Date` out. */
const isoDate = v.pipe(
  v.string(),
  v.isoTimestamp(),
  v.transform((text) => new Date(text)),
);

const caught = (error: unknown): unknown => error;

describe.each(storeFactories)("StandardSchemaAdapter over %s", (_name, open) => {
  const current = useStore(open);
  let store: KeyValue;
  beforeEach(() => {
    store = current().store;
  });

  describe("with valibot", () => {
    it("stores the schema's output (defaults and normalisation applied) and reads it back", async () => {
      const users = new StandardSchemaAdapter(store, User, { defaultCollection: "users" });
      expect(users.wrapped).toBe(false);
      await users.put("u1", { name: "Ada", email: "  ADA@Example.com " }, { ttl: 60 });
      expect(await store.get("u1", { collection: "users" })).toEqual({
        name: "Ada",
        email: "ada@example.com",
        age: 0,
      });
      const [user, ttl] = await users.ttl("u1");
      expect(user).toEqual({ name: "Ada", email: "ada@example.com", age: 0 });
      expect(ttl).toBeGreaterThan(50);
      expect(await users.getMany(["u1", "missing"])).toEqual([user, undefined]);
    });

    it("rejects an invalid model with a ValidationError carrying valibot's issues, writing nothing", async () => {
      const users = new StandardSchemaAdapter(store, User);
      const error = await users.put("u1", { name: "", email: "a@x" }).catch(caught);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toBeInstanceOf(KeyValueError);
      expect(error).toMatchObject({
        name: "ValidationError",
        code: "VALIDATION",
        operation: "put",
        collection: "default_collection",
        key: "u1",
        issues: [expect.objectContaining({ path: [expect.objectContaining({ key: "name" })] })],
      });
      expect((error as Error).message).toMatch(/^Value does not match the schema: name: /);
      expect(await store.get("u1")).toBeUndefined();
    });

    it("putMany writes nothing when any model is invalid, and names its key", async () => {
      const users = new StandardSchemaAdapter(store, User);
      const error = await users
        .putMany([
          ["a", { name: "A", email: "a@x" }],
          ["b", { name: "B", email: "b@x", age: -1 }],
        ])
        .catch(caught);
      expect(ValidationError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ operation: "putMany", key: "b" });
      expect(await store.getMany(["a", "b"])).toEqual([undefined, undefined]);
    });

    it("takes an object model when the schema cannot describe itself, and says how to store others", async () => {
      const tags = new StandardSchemaAdapter(store, v.array(v.string()));
      expect(tags.wrapped).toBe(false);
      const error = await tags.put("t", ["a"]).catch(caught);
      expect(error).toBeInstanceOf(SerializationError);
      expect((error as Error).message).toContain("wrapped: true");
      const wrapped = new StandardSchemaAdapter(store, v.array(v.string()), { wrapped: true });
      await wrapped.put("t", ["a", "b"]);
      expect(await store.get("t")).toEqual({ items: ["a", "b"] });
      expect(await wrapped.get("t")).toEqual(["a", "b"]);
    });

    it("decides the envelope from Standard JSON Schema when the schema offers it", async () => {
      const tags = new StandardSchemaAdapter(store, toStandardJsonSchema(v.array(v.string())));
      expect(tags.wrapped).toBe(true);
      await tags.put("t", ["kv"]);
      expect(await store.get("t")).toEqual({ items: ["kv"] });
      const dated = toStandardJsonSchema(v.object({ at: v.date(), name: v.string() }));
      expect(new StandardSchemaAdapter(store, dated).wrapped).toBe(false);
      const maybe = toStandardJsonSchema(v.nullable(v.object({ name: v.string() })));
      expect(new StandardSchemaAdapter(store, maybe).wrapped).toBe(true);
    });

    it("stores the input of a one-way transform and returns its output", async () => {
      const lengths = new StandardSchemaAdapter(
        store,
        v.pipe(
          v.string(),
          v.transform((text) => text.length),
        ),
        { wrapped: true },
      );
      await lengths.put("l", "four");
      expect(await store.get("l")).toEqual({ items: "four" });
      expect(await lengths.get("l")).toBe(4);
      const cents = new StandardSchemaAdapter(
        store,
        v.object({
          price: v.pipe(
            v.number(),
            v.transform((dollars) => dollars * 100),
          ),
        }),
      );
      await cents.put("c", { price: 5 });
      expect(await store.get("c")).toEqual({ price: 5 });
      expect(await cents.get("c")).toEqual({ price: 500 });
    });

    it("stores a Date as an ISO string when the schema decodes ISO strings to dates", async () => {
      const events = new StandardSchemaAdapter(store, v.object({ name: v.string(), at: isoDate }));
      await events.put("utc", { name: "a", at: "2026-11-23T05:04:57.123Z" });
      await events.put("offset", { name: "b", at: "2026-11-23T07:04:57.123+02:00" });
      expect(await store.getMany(["utc", "offset"])).toEqual([
        { name: "a", at: "2026-11-23T05:04:57.123Z" },
        { name: "b", at: "2026-11-23T05:04:57.123Z" },
      ]);
      const read = await events.get("offset");
      expect(read?.at).toBeInstanceOf(Date);
      expect(read).toEqual({ name: "b", at });
    });

    it("takes a Date on put when the schema accepts a Date or its ISO string", async () => {
      const DateOrIso = v.union([v.date(), isoDate]);
      const events = new StandardSchemaAdapter(store, v.object({ at: DateOrIso }));
      await events.put("e", { at });
      expect(await store.get("e")).toEqual({ at: "2026-11-23T05:04:57.123Z" });
      expect(await events.get("e")).toEqual({ at });
      const moments = new StandardSchemaAdapter(store, v.array(DateOrIso), { wrapped: true });
      await moments.put("m", [at, "2026-11-23T05:04:57.123Z"]);
      expect(await moments.get("m")).toEqual([at, at]);
    });

    it("refuses a model whose stored form the schema would reject (a plain v.date())", async () => {
      const events = new StandardSchemaAdapter(store, v.object({ at: v.date() }));
      const error = await events.put("e", { at }).catch(caught);
      expect(error).toBeInstanceOf(SerializationError);
      expect((error as Error).message).toMatch(/could not be read back \(at: .*Date/);
      expect(await store.get("e")).toBeUndefined();
    });

    it("leaves values JSON cannot hold to the store's check, with nothing written", async () => {
      const counters = new StandardSchemaAdapter(store, v.object({ n: v.bigint() }));
      const error = await counters.put("c", { n: 1n }).catch(caught);
      expect(error).toBeInstanceOf(SerializationError);
      expect((error as Error).message).toContain("bigint");
      expect(await store.get("c")).toBeUndefined();
    });

    it("runs async validations", async () => {
      const taken = new Set(["root"]);
      const Account = v.objectAsync({
        login: v.pipeAsync(
          v.string(),
          v.checkAsync(async (login) => !taken.has(login), "login is taken"),
        ),
      });
      const accounts = new StandardSchemaAdapter(store, Account);
      await accounts.put("a", { login: "ada" });
      expect(await accounts.get("a")).toEqual({ login: "ada" });
      expect(await accounts.put("b", { login: "root" }).catch(caught)).toMatchObject({
        issues: [expect.objectContaining({ message: "login is taken" })],
      });
    });
  });

  describe("with ArkType", () => {
    it("round-trips an object model, stored as is", async () => {
      const Person = type({ name: "string > 0", "tags?": "string[]" });
      const people = new StandardSchemaAdapter(store, Person);
      expect(people.wrapped).toBe(false);
      await people.put("p", { name: "Ada", tags: ["math"] });
      expect(await store.get("p")).toEqual({ name: "Ada", tags: ["math"] });
      expect(await people.get("p")).toEqual({ name: "Ada", tags: ["math"] });
      const error = await people.put("q", { name: "" }).catch(caught);
      expect(error).toBeInstanceOf(ValidationError);
      expect([...((error as ValidationError).issues[0]?.path ?? [])]).toEqual(["name"]);
      expect((error as Error).message).toMatch(/^Value does not match the schema: name: /);
    });

    it("wraps non-object models, decided from the schema's own JSON Schema", async () => {
      const lists = new StandardSchemaAdapter(store, type("number[]"));
      expect(lists.wrapped).toBe(true);
      await lists.put("l", [1, 2]);
      expect(await store.get("l")).toEqual({ items: [1, 2] });
      expect(await lists.get("l")).toEqual([1, 2]);
      expect(new StandardSchemaAdapter(store, type({ a: "string" }).or("null")).wrapped).toBe(true);
      expect(
        new StandardSchemaAdapter(
          store,
          type("string").pipe((s) => s.length),
        ).wrapped,
      ).toBe(true);
    });

    it("stores dates as ISO strings and parses them back with string.date.iso.parse", async () => {
      const events = new StandardSchemaAdapter(store, type({ at: "Date | string.date.iso.parse" }));
      await events.put("e", { at });
      expect(await store.get("e")).toEqual({ at: "2026-11-23T05:04:57.123Z" });
      expect(await events.get("e")).toEqual({ at });
      const parsed = new StandardSchemaAdapter(store, type({ at: "string.date.iso.parse" }));
      await parsed.put("p", { at: "2026-11-23T05:04:57.123Z" });
      expect(await parsed.get("p")).toEqual({ at });
    });

    it("reads a stored value the schema rejects according to onInvalid", async () => {
      await store.put("old", { fullName: "Ada" });
      const people = new StandardSchemaAdapter(store, type({ name: "string" }));
      expect(await people.get("old").catch(caught)).toMatchObject({
        name: "ValidationError",
        operation: "get",
        key: "old",
      });
      expect(await people.get("old", { onInvalid: "undefined" })).toBeUndefined();
      expect(await store.get("old")).toEqual({ fullName: "Ada" });
    });
  });

  describe("invalid data already in the store", () => {
    const stale = { fullName: "Ada Lovelace" };
    const valid = { name: "Ada", email: "ada@x", age: 36 };

    beforeEach(async () => {
      await store.putMany(
        [
          ["old", stale],
          ["new", valid],
        ],
        { collection: "users", ttl: 3600 },
      );
    });

    it('"throw" (the default) throws a ValidationError naming the key, and keeps the entry', async () => {
      const users = new StandardSchemaAdapter(store, User, { defaultCollection: "users" });
      const expected = { name: "ValidationError", collection: "users", key: "old" };
      await expect(users.getMany(["new", "old"])).rejects.toMatchObject(expected);
      await expect(users.ttlMany(["new", "old"])).rejects.toMatchObject(expected);
      await expect(users.ttl("old")).rejects.toThrow(/^Stored value does not match the schema/);
      expect(await store.get("old", { collection: "users" })).toEqual(stale);
    });

    it('"undefined" reads it as undefined and keeps it; "delete" deletes it', async () => {
      const users = new StandardSchemaAdapter(store, User, {
        defaultCollection: "users",
        onInvalid: "undefined",
      });
      expect(await users.getMany(["new", "old"])).toEqual([valid, undefined]);
      expect(await users.ttlMany(["old"])).toEqual([[undefined, undefined]]);
      expect(await store.get("old", { collection: "users" })).toEqual(stale);
      expect(await users.ttl("old", { onInvalid: "delete" })).toEqual([undefined, undefined]);
      expect(await store.get("old", { collection: "users" })).toBeUndefined();
    });
  });

  it("delete and deleteMany remove models from the adapter's collection", async () => {
    const users = new StandardSchemaAdapter(store, User, { defaultCollection: "users" });
    await users.putMany([
      ["a", { name: "A", email: "a@x" }],
      ["b", { name: "B", email: "b@x" }],
    ]);
    expect(await users.delete("a")).toBe(true);
    expect(await users.deleteMany(["a", "b"])).toBe(1);
    expect(await store.getMany(["a", "b"], { collection: "users" })).toEqual([
      undefined,
      undefined,
    ]);
  });

  it("rejects a bad default collection and an unknown policy when constructed", () => {
    expect(() => new StandardSchemaAdapter(store, User, { defaultCollection: "" })).toThrow(
      InvalidKeyError,
    );
    // @ts-expect-error: not a policy
    expect(() => new StandardSchemaAdapter(store, User, { onInvalid: "ignore" })).toThrow(
      TypeError,
    );
  });
});

describe("ValidationError", () => {
  it("is branded and lists the first three issues with their paths", () => {
    const error = new ValidationError({
      operation: "get",
      key: "k",
      issues: [
        { message: "a is wrong", path: ["a"] },
        { message: "b is wrong", path: [{ key: "b" }, 0] },
        { message: "top is wrong" },
        { message: "d is wrong", path: ["d"] },
      ],
    });
    expect(ValidationError.isInstance(error)).toBe(true);
    expect(KeyValueError.isInstance(error)).toBe(true);
    expect(error.transient).toBe(false);
    expect(error.message).toBe(
      "Stored value does not match the schema: a: a is wrong; b.0: b is wrong; top is wrong; and 1 more (operation: get, key: k)",
    );
  });
});
