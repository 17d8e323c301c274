import { MemoryStore } from "@kv/memory";
import { type InvalidDataPolicy, type ValidationError, ZodAdapter } from "@kv/zod";
import { describe, expectTypeOf, it } from "vitest";
import * as z from "zod";
import * as zm from "zod/mini";

// Type-level specification: checked by `tsc --noEmit` (the package's typecheck covers test/).
// Calls that must not compile sit in functions that are never run.

const User = z.object({
  name: z.string(),
  email: z.string().trim(),
  age: z.number().default(0),
});
type UserOut = { name: string; email: string; age: number };
type UserIn = { name: string; email: string; age?: number | undefined };

const store = new MemoryStore();
const users = new ZodAdapter(store, User);

describe("ZodAdapter types", () => {
  it("infers the schema from the constructor, with no annotation", () => {
    expectTypeOf(users).toEqualTypeOf<ZodAdapter<typeof User>>();
    expectTypeOf(users.schema).toEqualTypeOf<typeof User>();
  });

  it("reads return the schema's output type or undefined", () => {
    expectTypeOf(users.get).returns.resolves.toEqualTypeOf<UserOut | undefined>();
    expectTypeOf(users.getMany).returns.resolves.toEqualTypeOf<(UserOut | undefined)[]>();
    expectTypeOf(users.ttl).returns.resolves.toEqualTypeOf<
      [UserOut | undefined, number | undefined]
    >();
    expectTypeOf(users.ttlMany).returns.resolves.toEqualTypeOf<
      [UserOut | undefined, number | undefined][]
    >();
  });

  it("writes take the schema's input type", () => {
    expectTypeOf(users.put).parameter(1).toEqualTypeOf<UserIn>();
    expectTypeOf(users.putMany)
      .parameter(0)
      .toEqualTypeOf<readonly (readonly [key: string, model: UserIn])[]>();
    expectTypeOf(users.delete).returns.resolves.toBeBoolean();
    expectTypeOf(users.deleteMany).returns.resolves.toBeNumber();
  });

  it("follows non-object schemas", () => {
    const tags = new ZodAdapter(store, z.array(z.string()));
    expectTypeOf(tags.get).returns.resolves.toEqualTypeOf<string[] | undefined>();
    const ids = new ZodAdapter(store, z.union([z.string(), z.number()]));
    expectTypeOf(ids.get).returns.resolves.toEqualTypeOf<string | number | undefined>();
    expectTypeOf(ids.put).parameter(1).toEqualTypeOf<string | number>();
    const flags = new ZodAdapter(store, z.boolean());
    expectTypeOf(flags.ttl).returns.resolves.toEqualTypeOf<
      [boolean | undefined, number | undefined]
    >();
  });

  it("keeps branded outputs and separate input and output types of transforms", () => {
    const UserId = z.string().uuid().brand<"UserId">();
    const ids = new ZodAdapter(store, UserId);
    expectTypeOf(ids.get).returns.resolves.toEqualTypeOf<z.output<typeof UserId> | undefined>();
    expectTypeOf(ids.put).parameter(1).toEqualTypeOf<string>();
  });

  it("a migrating schema accepts old and new shapes in, and gives the new shape out", () => {
    const V1 = z.object({ fullName: z.string() });
    const V2 = z.object({ firstName: z.string(), lastName: z.string() });
    const migrating = z
      .union([V2, V1.transform(({ fullName }) => ({ firstName: fullName, lastName: "" }))])
      .pipe(V2);
    const people = new ZodAdapter(store, migrating);
    expectTypeOf(people.get).returns.resolves.toEqualTypeOf<
      { firstName: string; lastName: string } | undefined
    >();
    expectTypeOf(people.put)
      .parameter(1)
      .toEqualTypeOf<{ firstName: string; lastName: string } | { fullName: string }>();
  });

  it("a codec's adapter takes the decoded model or the encoded form, and reads the decoded model", () => {
    const isoDate = z.codec(z.iso.datetime(), z.date(), {
      decode: (text) => new Date(text),
      encode: (date) => date.toISOString(),
    });
    const events = new ZodAdapter(store, z.object({ at: isoDate }));
    expectTypeOf(events.put).parameter(1).toEqualTypeOf<{ at: string } | { at: Date }>();
    expectTypeOf(events.get).returns.resolves.toEqualTypeOf<{ at: Date } | undefined>();
    const dates = new ZodAdapter(store, z.object({ at: z.date() }));
    expectTypeOf(dates.put).parameter(1).toEqualTypeOf<{ at: Date }>();
  });

  it("accepts zod/mini schemas", () => {
    const mini = new ZodAdapter(store, zm.object({ n: zm.number() }));
    expectTypeOf(mini.get).returns.resolves.toEqualTypeOf<{ n: number } | undefined>();
  });

  it("types the options and the error", () => {
    expectTypeOf<InvalidDataPolicy>().toEqualTypeOf<"throw" | "undefined" | "delete">();
    expectTypeOf<ValidationError["issues"]>().toEqualTypeOf<readonly z.core.$ZodIssue[]>();
  });

  it("rejects wrong shapes at compile time", () => {
    async function wrongShapes(): Promise<void> {
      // @ts-expect-error: name must be a string
      await users.put("k", { name: 1, email: "e" });
      // @ts-expect-error: name is required
      await users.put("k", { email: "e" });
      const entries = [
        ["a", { name: "A", email: "e" }],
        ["b", { name: "B" }],
      ] as const;
      // @ts-expect-error: one entry has the wrong shape
      await users.putMany(entries);
      // @ts-expect-error: a list schema takes a list
      await new ZodAdapter(store, z.array(z.number())).put("k", { items: [1] });
      // @ts-expect-error: the read may find nothing
      const name: string = (await users.get("k")).name;
      // @ts-expect-error: reads give the output type, which has no such field
      (await users.get("k"))?.nickname;
      // @ts-expect-error: not a policy
      await users.get("k", { onInvalid: "ignore" });
      // @ts-expect-error: the schema must be a zod schema
      new ZodAdapter(store, { parse: (input: unknown) => input });
      expectTypeOf(name).toBeString();
    }
    expectTypeOf(wrongShapes).toBeFunction();
  });
});
