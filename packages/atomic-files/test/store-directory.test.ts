import { resolve } from "node:path";
import { storeDirectory } from "@kv/atomic-files";
import { describe, expect, it } from "vitest";

describe("storeDirectory", () => {
  it("gives the directory as an absolute path", () => {
    expect(storeDirectory("data/kv", "DiskStore")).toBe(resolve("data/kv"));
  });

  it("refuses a missing, empty or non-string directory with a TypeError naming the store", () => {
    for (const directory of [undefined, "", 42]) {
      expect(() => storeDirectory(directory, "JsonFileStore")).toThrow(
        new TypeError("JsonFileStore needs a `directory`"),
      );
    }
  });
});
