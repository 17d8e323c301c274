import { describe, expect, test } from "vitest";
import { type PutOptions, withCollection } from "../src/index.ts";

describe("withCollection", () => {
  test("aims options without a collection at the one given, keeping the rest", () => {
    expect(withCollection<PutOptions>({ ttl: 60 }, "users")).toEqual({
      collection: "users",
      ttl: 60,
    });
  });

  test("replaces the collection the options name", () => {
    expect(withCollection<PutOptions>({ collection: "a", ttl: "5m" }, "b")).toEqual({
      collection: "b",
      ttl: "5m",
    });
  });

  test("makes options from nothing", () => {
    expect(withCollection(undefined, "users")).toEqual({ collection: "users" });
  });

  test("leaves the options it was given untouched", () => {
    const given = Object.freeze({ collection: "a", ttl: 60 });
    const copy = withCollection(given, "b");
    expect(copy).not.toBe(given);
    expect(given).toEqual({ collection: "a", ttl: 60 });
  });
});
