import { readFileSync } from "node:fs";
import {
  DeserializationError,
  deserializeEntry,
  formatTimestamp,
  fromEntryDocument,
  type ManagedEntry,
  parseTimestamp,
  serializeEntry,
  toPythonJson,
} from "@kv/protocol";
import { describe, expect, it } from "vitest";

const [withTimestamps = "", withoutTimestamps = "", valueAsString = ""] = readFileSync(
  new URL("fixtures/py-key-value-documents.jsonl", import.meta.url),
  "utf8",
)
  .trim()
  .split("\n");

const created = Date.UTC(2026, 10, 23, 5, 4, 57, 123);
const adaEntry: ManagedEntry = {
  value: { name: "Ada", tags: ["math", "poetry"], born: 1815, ok: true, none: null, ünï: "日本" },
  createdAt: created,
  expiresAt: created + 3_600_000,
};

describe("ManagedEntry and py-key-value documents", () => {
  it("reads a document written by py-key-value", () => {
    expect(deserializeEntry(withTimestamps)).toEqual(adaEntry);
    expect(deserializeEntry(withoutTimestamps)).toEqual({
      value: { a: 1 },
      createdAt: undefined,
      expiresAt: undefined,
    });
  });

  it("reads a document whose value is a JSON string", () => {
    expect(deserializeEntry(valueAsString)).toEqual(adaEntry);
  });

  it("writes py-key-value's bytes exactly in the python style", () => {
    const entry = deserializeEntry(withTimestamps);
    expect(serializeEntry(entry, { key: "u1", collection: "users" }, { style: "python" })).toBe(
      withTimestamps,
    );
    expect(
      serializeEntry(
        deserializeEntry(withoutTimestamps),
        { key: "k", collection: "c" },
        { style: "python" },
      ),
    ).toBe(withoutTimestamps);
  });

  it("writes compact JSON with py-key-value's fields that reads back the same", () => {
    const json = serializeEntry(adaEntry, { key: "u1", collection: "users" });
    expect(JSON.parse(json)).toEqual(JSON.parse(withTimestamps));
    expect(Object.keys(JSON.parse(json))).toEqual(Object.keys(JSON.parse(withTimestamps)));
    expect(deserializeEntry(json)).toEqual(adaEntry);
  });

  it("omits absent timestamps and location", () => {
    const entry: ManagedEntry = { value: { a: 1 }, createdAt: undefined, expiresAt: undefined };
    expect(serializeEntry(entry)).toBe('{"value":{"a":1},"version":1}');
  });

  it("formats timestamps as Python's isoformat with microseconds", () => {
    expect(formatTimestamp(created)).toBe("2026-11-23T05:04:57.123000+00:00");
  });

  it.each([
    ["2026-11-23T05:04:57.123000+00:00", created],
    ["2026-11-23T05:04:57.123Z", created],
    ["2026-11-23T05:04:57.123456+00:00", created],
    ["2026-11-23T07:04:57.123+02:00", created],
    ["2026-11-23T04:34:57.123-00:30", created],
    ["2026-11-23T05:04:57+00:00", created - 123],
    ["2026-11-23 05:04:57.1", created - 23],
    ["2026-11-23T05:04:57.123", created],
  ])("parses the timestamp %s", (text, expected) => {
    expect(parseTimestamp(text)).toBe(expected);
  });

  it("accepts Dates and epoch milliseconds as timestamps", () => {
    expect(
      fromEntryDocument({ value: {}, created_at: new Date(created), expires_at: created }),
    ).toEqual({
      value: {},
      createdAt: created,
      expiresAt: created,
    });
  });

  it.each([
    ["text that is not JSON", "{not json"],
    ["a document that is not an object", "[1,2]"],
    ["a document without a value", '{"version":1}'],
    ["a value that is an array", '{"value":[1]}'],
    ["a value string that is not an object", '{"value":"[1]"}'],
    ["a value string that is not JSON", '{"value":"{oops"}'],
    ["a malformed timestamp", '{"value":{},"created_at":"yesterday"}'],
    ["a timestamp of the wrong type", '{"value":{},"expires_at":true}'],
  ])("refuses %s with DeserializationError", (_label, json) => {
    expect(() => deserializeEntry(json)).toThrow(DeserializationError);
  });
});

describe("toPythonJson", () => {
  it.each([
    [{ b: 1, a: [true, null] }, '{"a": [true, null], "b": 1}'],
    [
      { x: 0.1, y: 1e-5, z: 1.5e300, w: -2.5e-7, v: 123.456 },
      '{"v": 123.456, "w": -2.5e-07, "x": 0.1, "y": 1e-05, "z": 1.5e+300}',
    ],
    [{ big: 2 ** 53 - 1, float: 1e20 }, '{"big": 9007199254740991, "float": 1e+20}'],
    [{ s: 'é\n"/🙂' }, '{"s": "\\u00e9\\n\\"/\\ud83d\\ude42"}'],
  ])("formats %j as Python does", (value, expected) => {
    expect(toPythonJson(value)).toBe(expected);
  });
});

describe("parseTimestamp fast path", () => {
  it("agrees with the general parser on the canonical forms and refuses near misses", () => {
    for (let step = 0; step < 500; step++) {
      const epoch = Date.UTC(1990, 0, 1) + step * 7_919_371_337;
      expect(parseTimestamp(formatTimestamp(epoch))).toBe(epoch);
      expect(parseTimestamp(new Date(epoch).toISOString())).toBe(epoch);
    }
    expect(() => parseTimestamp("2026-11-23T05:04:5x.123000+00:00")).toThrow(DeserializationError);
    expect(() => parseTimestamp("2026-11-23X05:04:57.123Z")).toThrow(DeserializationError);
  });
});
