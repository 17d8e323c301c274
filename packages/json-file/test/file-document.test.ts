import { hostileNames } from "@kv/conformance";
import { type ManagedEntry, toEntryDocument } from "@kv/protocol";
import { describe, expect, it } from "vitest";
import { formatFile, parseFile } from "../src/file-document.ts";

describe("collection file text", () => {
  it("is exactly JSON.stringify(…, null, 2) of the file's document, for any keys and values", () => {
    const entries = new Map<string, ManagedEntry>(
      hostileNames.map((name, index) => [
        name,
        {
          value: { name, nested: { list: [1, "two\nlines", { deep: null }], empty: {} }, index },
          createdAt: 1_700_000_000_000 + index,
          expiresAt: index % 2 === 0 ? undefined : 1_800_000_000_000,
        },
      ]),
    );
    const documents = Object.fromEntries(
      Array.from(entries, ([key, entry]) => [key, toEntryDocument(entry)]),
    );
    const text = formatFile("App / 🙂", entries);
    expect(text).toBe(
      `${JSON.stringify({ collection: "App / 🙂", entries: documents }, null, 2)}\n`,
    );
    expect(parseFile(text, "x.json").entries).toEqual(entries);
    expect(formatFile("c", new Map())).toBe('{\n  "collection": "c",\n  "entries": {}\n}\n');
  });
});
