import { MemoryStore } from "@kv/memory";
import {
  type InvalidDataPolicy,
  StandardSchemaAdapter,
  type ValidationError,
} from "@kv/standard-schema";
import type { StandardSchemaV1 } from "@standard-schema/spec";
import { type } from "arktype";
import * as v from "valibot";
import { describe, expectTypeOf, it } from "vitest";

// Type-level specification: checked by `tsc --noEmit` (the package's typecheck covers test/).
// Calls that must not compile sit in functions that are never run.

const store = new MemoryStore();
const User = v.object({
  name: v.string(),
  age: v.optional(v.number(), 0),
  at: v.pipe(
    v.string(),
    v.transform((text) => new Date(text)),
  ),
});
type UserIn = { name: string; age?: number | undefined; at: string };
type UserOut = { name: string; age: number; at: Date };
const users = new StandardSchemaAdapter(store, User);

describe("StandardSchemaAdapter types", () => {
  it("infers the schema from the constructor, with no annotation", () => {
    expectTypeOf(users).toEqualTypeOf<StandardSchemaAdapter<typeof User>>();
    expectTypeOf(users.schema).toEqualTypeOf<typeof User>();
  });

  it("reads return the schema's output type, writes take its input type", () => {
    expectTypeOf(users.get).returns.resolves.toEqualTypeOf<UserOut | undefined>();
    expectTypeOf(users.getMany).returns.resolves.toEqualTypeOf<(UserOut | undefined)[]>();
    expectTypeOf(users.ttl).returns.resolves.toEqualTypeOf<
      [UserOut | undefined, number | undefined]
    >();
    expectTypeOf(users.put).parameter(1).toEqualTypeOf<UserIn>();
    expectTypeOf(users.putMany)
      .parameter(0)
      .toEqualTypeOf<readonly (readonly [key: string, model: UserIn])[]>();
  });

  it("follows ArkType's morphs and non-object schemas", () => {
    const events = new StandardSchemaAdapter(store, type({ at: "string.date.iso.parse" }));
    expectTypeOf(events.put).parameter(1).toEqualTypeOf<{ at: string }>();
    expectTypeOf(events.get).returns.resolves.toEqualTypeOf<{ at: Date } | undefined>();
    const lists = new StandardSchemaAdapter(store, type("number[]"));
    expectTypeOf(lists.get).returns.resolves.toEqualTypeOf<number[] | undefined>();
  });

  it("types the options and the error", () => {
    expectTypeOf<InvalidDataPolicy>().toEqualTypeOf<"throw" | "undefined" | "delete">();
    expectTypeOf<ValidationError["issues"]>().toEqualTypeOf<readonly StandardSchemaV1.Issue[]>();
  });

  it("rejects wrong shapes at compile time", () => {
    async function wrongShapes(): Promise<void> {
      // @ts-expect-error: name must be a string
      await users.put("k", { name: 1, at: "" });
      // @ts-expect-error: reads may find nothing
      const name: string = (await users.get("k")).name;
      // @ts-expect-error: not a policy
      await users.get("k", { onInvalid: "ignore" });
      // @ts-expect-error: the schema must implement Standard Schema
      new StandardSchemaAdapter(store, { parse: (input: unknown) => input });
      expectTypeOf(name).toBeString();
    }
    expectTypeOf(wrongShapes).toBeFunction();
  });
});
