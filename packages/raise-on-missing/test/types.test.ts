import { MemoryStore } from "@kv/memory";
import type { Value } from "@kv/protocol";
import { type MissingKeyError, RaiseOnMissingAdapter } from "@kv/raise-on-missing";
import { describe, expectTypeOf, it } from "vitest";

// Type-level specification: checked by `tsc --noEmit` (the package's typecheck covers test/).

const adapter = new RaiseOnMissingAdapter(new MemoryStore());

describe("RaiseOnMissingAdapter types", () => {
  it("reads never return undefined by default", async () => {
    const run = async () => {
      expectTypeOf(await adapter.get("k")).toEqualTypeOf<Value>();
      expectTypeOf(await adapter.get("k", { collection: "c" })).toEqualTypeOf<Value>();
      expectTypeOf(await adapter.get("k", { throwOnMissing: true })).toEqualTypeOf<Value>();
      expectTypeOf(await adapter.getMany(["k"])).toEqualTypeOf<Value[]>();
      expectTypeOf(await adapter.ttl("k")).toEqualTypeOf<[Value, number | undefined]>();
      expectTypeOf(await adapter.ttlMany(["k"])).toEqualTypeOf<[Value, number | undefined][]>();
    };
    expectTypeOf(run).toBeFunction();
  });

  it("throwOnMissing: false brings undefined back into the types", async () => {
    const run = async (flag: boolean) => {
      const lenient = { throwOnMissing: false } as const;
      expectTypeOf(await adapter.get("k", lenient)).toEqualTypeOf<Value | undefined>();
      expectTypeOf(await adapter.getMany(["k"], lenient)).toEqualTypeOf<(Value | undefined)[]>();
      expectTypeOf(await adapter.ttl("k", lenient)).toEqualTypeOf<
        [Value | undefined, number | undefined]
      >();
      expectTypeOf(await adapter.ttlMany(["k"], lenient)).toEqualTypeOf<
        [Value | undefined, number | undefined][]
      >();
      expectTypeOf(await adapter.get("k", { throwOnMissing: flag })).toEqualTypeOf<
        Value | undefined
      >();
    };
    expectTypeOf(run).toBeFunction();
  });

  it("types the error", () => {
    expectTypeOf<MissingKeyError["keys"]>().toEqualTypeOf<readonly string[]>();
    expectTypeOf<MissingKeyError["name"]>().toEqualTypeOf<"MissingKeyError">();
  });

  it("rejects wrong options and values at compile time", () => {
    async function wrong(): Promise<void> {
      // @ts-expect-error: not a boolean
      await adapter.get("k", { throwOnMissing: "no" });
      // @ts-expect-error: values are JSON objects
      await adapter.put("k", "text");
      // @ts-expect-error: keys are strings
      await adapter.getMany([1]);
      const lenient = await adapter.get("k", { throwOnMissing: false });
      // @ts-expect-error: a lenient read may be undefined
      lenient.field;
    }
    expectTypeOf(wrong).toBeFunction();
  });
});
