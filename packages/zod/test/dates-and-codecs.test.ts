import { SerializationError } from "@kv/protocol";
import { ValidationError, ZodAdapter } from "@kv/zod";
import { describe, expect, it } from "vitest";
import * as z from "zod";
import * as zm from "zod/mini";
import { describeOverStores } from "./over-stores.ts";

const at = new Date("2026-11-23T05:04:57.123Z");
const later = new Date("2027-01-02T03:04:05.006Z");

const isoDate = z.codec(z.iso.datetime({ offset: true }), z.date(), {
  decode: (text) => new Date(text),
  encode: (date) => date.toISOString(),
});
const bigintText = z.codec(z.string().regex(/^-?\d+$/), z.bigint(), {
  decode: (text) => BigInt(text),
  encode: (value) => value.toString(),
});

const caught = (error: unknown): unknown => error;

describeOverStores("ZodAdapter dates and codecs", (t) => {
  describe("z.date()", () => {
    const Event = z.object({ name: z.string(), at: z.date() });

    it("stores a Date as an ISO-8601 string (milliseconds, Z) and reads it back as a Date", async () => {
      const events = new ZodAdapter(t.store, Event);
      expect(events.wrapped).toBe(false);
      await events.put("e1", { name: "launch", at });
      expect(await t.store.get("e1")).toEqual({ name: "launch", at: "2026-11-23T05:04:57.123Z" });
      const read = await events.get("e1");
      expect(read?.at).toBeInstanceOf(Date);
      expect(read).toEqual({ name: "launch", at });
      expect(await events.getMany(["e1", "missing"])).toEqual([{ name: "launch", at }, undefined]);
      expect((await events.ttl("e1"))[0]?.at).toEqual(at);
      expect((await events.ttlMany(["e1"]))[0]?.[0]?.at).toEqual(at);
    });

    it("revives dates nested in arrays, objects, records, tuples, optionals and nullables", async () => {
      const Timeline = z.object({
        events: z.array(z.object({ at: z.date(), tags: z.array(z.string()) })),
        meta: z.object({ created: z.date(), seen: z.record(z.string(), z.date()) }),
        window: z.tuple([z.date(), z.date()]),
        due: z.date().optional(),
        closed: z.date().nullable(),
        label: z.string(),
      });
      const timelines = new ZodAdapter(t.store, Timeline);
      const model = {
        events: [
          { at, tags: ["a"] },
          { at: later, tags: [] },
        ],
        meta: { created: at, seen: { ada: later } },
        window: [at, later] as [Date, Date],
        closed: null,
        label: "2026-11-23T05:04:57.123Z",
      };
      await timelines.put("t", model);
      expect(await t.store.get("t")).toEqual({
        events: [
          { at: at.toISOString(), tags: ["a"] },
          { at: later.toISOString(), tags: [] },
        ],
        meta: { created: at.toISOString(), seen: { ada: later.toISOString() } },
        window: [at.toISOString(), later.toISOString()],
        closed: null,
        label: "2026-11-23T05:04:57.123Z",
      });
      const read = await timelines.get("t");
      expect(read).toEqual(model);
      expect(read?.label).toBe("2026-11-23T05:04:57.123Z");
    });

    it("wraps a list of dates and a bare date in the envelope", async () => {
      const days = new ZodAdapter(t.store, z.array(z.date()));
      await days.put("d", [at, later]);
      expect(await t.store.get("d")).toEqual({ items: [at.toISOString(), later.toISOString()] });
      expect(await days.get("d")).toEqual([at, later]);
      const moment = new ZodAdapter(t.store, z.date());
      await moment.put("m", at);
      expect(await t.store.get("m")).toEqual({ items: at.toISOString() });
      expect(await moment.get("m")).toEqual(at);
    });

    it("revives dates inside unions, discriminated unions and recursive schemas", async () => {
      const Shape = z.union([
        z.object({ kind: z.literal("meeting"), at: z.date() }),
        z.object({ kind: z.literal("note"), text: z.string() }),
      ]);
      const shapes = new ZodAdapter(t.store, z.object({ item: Shape }));
      await shapes.put("s", { item: { kind: "meeting", at } });
      expect(await shapes.get("s")).toEqual({ item: { kind: "meeting", at } });
      const Tagged = z.discriminatedUnion("kind", [
        z.object({ kind: z.literal("a"), at: z.date() }),
        z.object({ kind: z.literal("b") }),
      ]);
      const tagged = new ZodAdapter(t.store, z.object({ item: Tagged }));
      await tagged.put("d", { item: { kind: "a", at } });
      expect(await tagged.get("d")).toEqual({ item: { kind: "a", at } });
      interface Node {
        at: Date;
        children: Node[];
      }
      const Node: z.ZodType<Node> = z.object({
        at: z.date(),
        get children() {
          return z.array(Node);
        },
      });
      const trees = new ZodAdapter(t.store, z.object({ root: Node }));
      const root = { at, children: [{ at: later, children: [] }] };
      await trees.put("n", { root });
      expect(await trees.get("n")).toEqual({ root });
    });

    it("keeps a string a string where the schema accepts one", async () => {
      const either = new ZodAdapter(t.store, z.object({ value: z.union([z.string(), z.date()]) }));
      await either.put("s", { value: "2026-11-23T05:04:57.123Z" });
      expect(await either.get("s")).toEqual({ value: "2026-11-23T05:04:57.123Z" });
      await either.put("d", { value: at });
      expect(await either.get("d")).toEqual({ value: "2026-11-23T05:04:57.123Z" });
    });

    it("reads datetimes written by py-key-value (Pydantic's microseconds and offsets)", async () => {
      const events = new ZodAdapter(t.store, Event, { defaultCollection: "events" });
      await t.store.putMany(
        [
          ["micro", { name: "a", at: "2026-11-23T05:04:57.123000Z" }],
          ["whole", { name: "b", at: "2026-11-23T05:04:57Z" }],
          ["offset", { name: "c", at: "2026-11-23T07:04:57.123456+02:00" }],
          ["day", { name: "d", at: "2026-11-23" }],
        ],
        { collection: "events" },
      );
      expect(await events.getMany(["micro", "whole", "offset", "day"])).toEqual([
        { name: "a", at },
        { name: "b", at: new Date("2026-11-23T05:04:57.000Z") },
        { name: "c", at },
        { name: "d", at: new Date("2026-11-23T00:00:00.000Z") },
      ]);
    });

    it("treats a stored string that is not an ISO-8601 instant as invalid data", async () => {
      const events = new ZodAdapter(t.store, Event, { defaultCollection: "events" });
      await t.store.putMany(
        [
          ["words", { name: "a", at: "next tuesday" }],
          ["naive", { name: "b", at: "2026-11-23T05:04:57.123000" }],
          ["number", { name: "c", at: 1_700_000_000_000 }],
          ["impossible", { name: "d", at: "2026-02-30T00:00:00Z" }],
        ],
        { collection: "events" },
      );
      for (const key of ["words", "naive", "number", "impossible"]) {
        const error = await events.get(key).catch(caught);
        expect(error).toBeInstanceOf(ValidationError);
        expect(error).toMatchObject({ key, issues: [expect.objectContaining({ path: ["at"] })] });
      }
      expect(await events.get("words", { onInvalid: "undefined" })).toBeUndefined();
    });

    it("rejects an Invalid Date on put and writes nothing", async () => {
      const events = new ZodAdapter(t.store, Event);
      const error = await events.put("e", { name: "x", at: new Date(Number.NaN) }).catch(caught);
      expect(error).toBeInstanceOf(ValidationError);
      expect(await t.store.get("e")).toBeUndefined();
    });

    it("works with zod/mini", async () => {
      const events = new ZodAdapter(t.store, zm.object({ at: zm.date() }));
      await events.put("e", { at });
      expect(await t.store.get("e")).toEqual({ at: at.toISOString() });
      expect(await events.get("e")).toEqual({ at });
    });
  });

  describe("z.coerce.date()", () => {
    it("stores the coerced Date as an ISO string and coerces it back on read", async () => {
      const events = new ZodAdapter(t.store, z.object({ at: z.coerce.date() }));
      await events.put("date", { at });
      await events.put("text", { at: "2026-11-23T05:04:57.123Z" });
      await events.put("epoch", { at: at.getTime() });
      for (const key of ["date", "text", "epoch"]) {
        expect(await t.store.get(key)).toEqual({ at: "2026-11-23T05:04:57.123Z" });
        expect(await events.get(key)).toEqual({ at });
      }
    });
  });

  describe("codecs", () => {
    it("put takes the decoded model, stores its encoded form, and get decodes it", async () => {
      const Account = z.object({ opened: isoDate, balance: bigintText });
      const accounts = new ZodAdapter(t.store, Account);
      const balance = 2n ** 70n;
      await accounts.put("a", { opened: at, balance });
      expect(await t.store.get("a")).toEqual({
        opened: "2026-11-23T05:04:57.123Z",
        balance: "1180591620717411303424",
      });
      const read = await accounts.get("a");
      expect(read).toEqual({ opened: at, balance });
      expect(typeof read?.balance).toBe("bigint");
    });

    it("put also takes the encoded form, validated as input", async () => {
      const accounts = new ZodAdapter(t.store, z.object({ opened: isoDate, balance: bigintText }));
      await accounts.put("a", { opened: "2026-11-23T05:04:57.123Z", balance: "42" });
      expect(await accounts.get("a")).toEqual({ opened: at, balance: 42n });
      const error = await accounts.put("b", { opened: "yesterday", balance: "1" }).catch(caught);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({ issues: [expect.objectContaining({ path: ["opened"] })] });
      expect(await t.store.get("b")).toBeUndefined();
    });

    it("applies the rest of the schema in the encoding direction too", async () => {
      const Profile = z.object({ name: z.string().trim().toLowerCase(), since: isoDate });
      const profiles = new ZodAdapter(t.store, Profile);
      await profiles.put("p", { name: " Ada ", since: at });
      expect(await t.store.get("p")).toEqual({ name: "ada", since: at.toISOString() });
      expect(await profiles.get("p")).toEqual({ name: "ada", since: at });
    });

    it("a codec at the top level is stored in the envelope", async () => {
      const stamps = new ZodAdapter(t.store, isoDate);
      expect(stamps.wrapped).toBe(true);
      await stamps.put("s", at);
      expect(await t.store.get("s")).toEqual({ items: "2026-11-23T05:04:57.123Z" });
      expect(await stamps.get("s")).toEqual(at);
      const totals = new ZodAdapter(t.store, z.array(bigintText));
      await totals.put("t", [1n, -2n]);
      expect(await t.store.get("t")).toEqual({ items: ["1", "-2"] });
      expect(await totals.get("t")).toEqual([1n, -2n]);
    });

    it("an invalid model is a ValidationError and nothing is written", async () => {
      const accounts = new ZodAdapter(t.store, z.object({ opened: isoDate, balance: bigintText }));
      const error = await accounts
        .putMany([
          ["ok", { opened: at, balance: 1n }],
          ["bad", { opened: at, balance: 1 as unknown as bigint }],
        ])
        .catch(caught);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error).toMatchObject({
        operation: "putMany",
        key: "bad",
        issues: [expect.objectContaining({ path: ["balance"] })],
      });
      expect((error as ValidationError).issues).toHaveLength(1);
      expect(await t.store.getMany(["ok", "bad"])).toEqual([undefined, undefined]);
    });
  });

  describe("one-way transforms", () => {
    it("put takes the input form, stores it, and get returns the transformed output", async () => {
      const Person = z
        .object({ name: z.string() })
        .transform((person) => ({ ...person, upper: person.name.toUpperCase() }));
      const people = new ZodAdapter(t.store, Person);
      await people.put("p", { name: "ada" });
      expect(await t.store.get("p")).toEqual({ items: { name: "ada" } });
      expect(await people.get("p")).toEqual({ name: "ada", upper: "ADA" });
    });

    it("a transform that changes the type reads back its output", async () => {
      const lengths = new ZodAdapter(
        t.store,
        z.string().transform((text) => text.length),
      );
      await lengths.put("l", "four");
      expect(await t.store.get("l")).toEqual({ items: "four" });
      expect(await lengths.get("l")).toBe(4);
    });

    it("a transform that is not idempotent is applied once per read, never compounded", async () => {
      const cents = new ZodAdapter(
        t.store,
        z.number().transform((dollars) => dollars * 100),
      );
      await cents.put("c", 5);
      expect(await t.store.get("c")).toEqual({ items: 5 });
      expect(await cents.get("c")).toBe(500);
      expect(await cents.get("c")).toBe(500);
    });

    it("dates in a transform's input are stored as ISO strings and revived before it runs", async () => {
      const year = new ZodAdapter(
        t.store,
        z.object({ at: z.date() }).transform(({ at: date }) => date.getUTCFullYear()),
      );
      await year.put("y", { at });
      expect(await t.store.get("y")).toEqual({ items: { at: at.toISOString() } });
      expect(await year.get("y")).toBe(2026);
    });

    it("a transform's output may hold types JSON cannot, since only the input is stored", async () => {
      const big = new ZodAdapter(
        t.store,
        z.object({ n: z.string() }).transform(({ n }) => BigInt(n)),
      );
      await big.put("b", { n: "12" });
      expect(await big.get("b")).toBe(12n);
    });
  });

  describe("schemas that can never be stored as JSON", () => {
    const cases: [label: string, schema: z.ZodType, path: string][] = [
      ["a map", z.object({ lookup: z.map(z.string(), z.number()) }), "lookup"],
      ["a set", z.object({ tags: z.set(z.string()) }), "tags"],
      ["a symbol", z.object({ meta: z.object({ id: z.symbol() }) }), "meta.id"],
      ["a function", z.object({ onSave: z.function() }), "onSave"],
      ["a bigint without a codec", z.object({ n: z.bigint() }), "n"],
      ["a coerced bigint", z.object({ n: z.coerce.bigint() }), "n"],
      ["a bigint in a list", z.object({ rows: z.array(z.object({ n: z.bigint() })) }), "rows[].n"],
      ["a bigint list", z.array(z.bigint()), "[]"],
      ["a bigint record value", z.record(z.string(), z.bigint()), "*"],
      ["a bigint tuple item", z.object({ pair: z.tuple([z.string(), z.bigint()]) }), "pair[1]"],
      ["a bigint model", z.bigint(), "(the model)"],
      ["a bigint literal", z.object({ one: z.literal(1n) }), "one"],
      ["a NaN", z.object({ nothing: z.nan() }), "nothing"],
      [
        "an optional union option",
        z.object({ id: z.union([z.string(), z.bigint()]).optional() }),
        "id",
      ],
    ];

    it.each(cases)("refuses %s when constructed, naming the path", (_label, schema, path) => {
      expect(() => new ZodAdapter(t.store, schema)).toThrow(SerializationError);
      expect(() => new ZodAdapter(t.store, schema)).toThrow(`at ${path} `);
    });

    it("accepts the same types behind a codec or in a transform's output", () => {
      expect(() => new ZodAdapter(t.store, z.object({ n: bigintText }))).not.toThrow();
      expect(
        () =>
          new ZodAdapter(t.store, z.object({ n: z.string().transform((text) => BigInt(text)) })),
      ).not.toThrow();
      expect(() => new ZodAdapter(t.store, z.object({ any: z.unknown() }))).not.toThrow();
    });
  });
});
