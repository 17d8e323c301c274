import { readFileSync } from "node:fs";
import {
  DeserializationError,
  deserializeEntry,
  formatTimestamp,
  parseTimestamp,
  toEntryDocument,
  toPythonJson,
} from "@kv/protocol";
import { describe, expect, it, vi } from "vitest";
import { decodeEntry, encodeEntry } from "../src/codec.ts";
import { readTimestamp, STAMP_PATTERN, stampAt, TimestampFormatter } from "../src/timestamps.ts";

/** A deterministic pseudo-random generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

const YEAR_10000_MS = 253_402_300_800_000;

const epochs = (() => {
  const next = random(42);
  const list = [
    0,
    1,
    999,
    1000,
    86_399_999,
    86_400_000,
    951_782_400_000, // 2000-02-29
    4_107_542_399_999, // 2100-02-28T23:59:59.999
    4_107_542_400_000, // 2100-03-01
    YEAR_10000_MS - 1,
    Date.UTC(2026, 10, 23, 5, 4, 57, 123),
    1.5,
    1_732_338_297_123.9,
  ];
  for (let index = 0; index < 20_000; index++) list.push(Math.floor(next() * YEAR_10000_MS));
  for (let index = 0; index < 2000; index++) list.push(Date.now() + Math.floor(next() * 1e9));
  return list;
})();

describe("timestamps without Date objects", () => {
  it("formats every epoch as formatTimestamp does, in consecutive calls of any order", () => {
    const formatter = new TimestampFormatter();
    for (const epoch of epochs) {
      expect(formatter.format(epoch)).toBe(formatTimestamp(epoch));
      expect(formatter.format(epoch + 1)).toBe(formatTimestamp(epoch + 1));
    }
  });

  it("formats what it cannot lay out itself through formatTimestamp", () => {
    const formatter = new TimestampFormatter();
    for (const epoch of [-1, -86_400_001, YEAR_10000_MS, YEAR_10000_MS * 2]) {
      expect(formatter.format(epoch)).toBe(formatTimestamp(epoch));
    }
    expect(() => formatter.format(Number.NaN)).toThrow(RangeError);
  });

  it("reads every form it is given as parseTimestamp does", () => {
    const texts: unknown[] = [];
    for (const epoch of epochs.slice(0, 5000)) {
      const iso = new Date(Math.floor(epoch)).toISOString();
      texts.push(formatTimestamp(epoch), iso, iso.replace("Z", "+00:00"));
    }
    texts.push(
      "2026-11-23T05:04:57.123456+00:00",
      "2026-11-23T05:04:57.1+00:00",
      "2026-11-23T05:04:57.123456789Z",
      "2026-11-23T05:04:57Z",
      "2026-11-23T05:04:57+00:00",
      "2026-11-23 05:04:57.123000+00:00",
      "2026-11-23T05:04:57.123000+02:00",
      "2026-11-23T05:04:57.123000",
      "2026-02-31T05:04:57.000000+00:00",
      "2026-13-01T00:00:00.000000+00:00",
      "0050-01-01T00:00:00.000000+00:00",
      "2026-11-23T24:00:00.000000+00:00",
      1_732_338_297_123,
      new Date(1_732_338_297_123),
    );
    for (const text of texts) expect(readTimestamp(text), String(text)).toBe(parseTimestamp(text));
  });

  it("reads the written form in place, and leaves early years and bad months to readTimestamp", () => {
    const stamp = new RegExp(`^${STAMP_PATTERN}$`);
    for (const epoch of epochs.slice(0, 5000)) {
      const text = formatTimestamp(epoch);
      expect(text).toMatch(stamp);
      expect(stampAt(`,"${text}"`, 2)).toBe(parseTimestamp(text));
    }
    expect("2026-11-23T05:04:57.123456+00:00").toMatch(stamp);
    for (const text of ["2026-11-23T05:04:57.123Z", "2026-11-23 05:04:57.123000+00:00"]) {
      expect(text).not.toMatch(stamp);
    }
    for (const text of ["0050-01-01T00:00:00.000000+00:00", "2026-13-01T00:00:00.000000+00:00"]) {
      expect(stampAt(text, 0), text).toBeNaN();
    }
  });

  it("refuses what parseTimestamp refuses", () => {
    for (const text of [
      "",
      "yesterday",
      "2026-11-23T05:04:57.+00:00",
      "2026-11-23T05:04:57.1234567890Z",
      "2026-11-2XT05:04:57.123000+00:00",
      "2026-11-23T05:04:57.123000+00:0",
    ]) {
      expect(() => parseTimestamp(text)).toThrow(DeserializationError);
      expect(() => readTimestamp(text)).toThrow(DeserializationError);
    }
  });
});

describe("reading documents with the fast path", () => {
  const fixtures = readFileSync(
    new URL("../../protocol/test/fixtures/py-key-value-documents.jsonl", import.meta.url),
    "utf8",
  )
    .split("\n")
    .filter((line) => line.trim() !== "");

  /** The same entry in the layouts this library and py-key-value write. */
  function layouts(createdAt: number | undefined, expiresAt: number | undefined): string[] {
    const entry = { value: { name: "Ada", nested: { value: 1 } }, createdAt, expiresAt };
    const collection = 'c,"value":{}';
    const key = 'k\\"';
    return [
      encodeEntry(entry, JSON.stringify(collection), key),
      toPythonJson(toEntryDocument(entry, { collection, key })),
    ];
  }

  /** Reads `json` with the codec and with `deserializeEntry`, and compares. */
  function expectReadAsDeserializeEntry(json: string): void {
    const entry = decodeEntry(json);
    const expected = deserializeEntry(json);
    expect(entry.value, json).toEqual(expected.value);
    expect(entry.createdAt, json).toBe(expected.createdAt);
    expect(entry.expiresAt, json).toBe(expected.expiresAt);
  }

  it("reads py-key-value's committed documents as deserializeEntry does", () => {
    expect(fixtures).toHaveLength(3);
    for (const json of fixtures) expectReadAsDeserializeEntry(json);
  });

  it("reads compact and Python-spaced documents, with and without timestamps", () => {
    const now = Date.UTC(2026, 10, 23, 5, 4, 57, 123);
    for (const [created, expires] of [
      [now, now + 1500],
      [now, undefined],
      [undefined, now],
      [undefined, undefined],
    ] as const) {
      for (const json of layouts(created, expires)) {
        const entry = decodeEntry(json);
        expect(entry.value).toEqual({ name: "Ada", nested: { value: 1 } });
        expect(entry.createdAt).toBe(created);
        expect(entry.expiresAt).toBe(expires);
      }
    }
  });

  it("parses only the value of documents in either layout, tricky names included", () => {
    const now = Date.UTC(2026, 10, 23, 5, 4, 57, 123);
    const documents = [...layouts(now, now + 1500), ...layouts(undefined, undefined), fixtures[0]];
    const parse = vi.spyOn(JSON, "parse");
    try {
      for (const json of documents as string[]) {
        parse.mockClear();
        decodeEntry(json);
        expect(parse, json).toHaveBeenCalledTimes(1);
        expect(parse.mock.calls[0]?.[0], json).toMatch(/^\{"name"|^\{"born"/);
      }
    } finally {
      parse.mockRestore();
    }
  });

  it("reads timestamps with microseconds, escapes or another length as deserializeEntry does", () => {
    const documents = [
      '{"collection": "c", "created_at": "2026-11-23T05:04:57.654321+00:00", "expires_at": "2026-11-23T06:04:57.999999+00:00", "key": "k", "value": {"a": 1}, "version": 1}',
      '{"collection":"c","created_at":"2026-11-23T05:04:57+00:00","expires_at":"2026-11-23T06:04:57+00:00","key":"k","value":{"a":1},"version":1}',
      '{"collection":"c","created_at":"2026-11-23T05:04:57.123000\\u002b00:00","expires_at":"2026-11-23T06:04:57.123000\\u002b00:00","key":"k","value":{"a":1},"version":1}',
      '{"collection":"c","created_at":"2026-11-23T05:04:57.123000+02:00","expires_at":"2026-11-23T06:04:57.123000+02:00","key":"k","value":{"a":1},"version":1}',
      '{"collection":"c","created_at":null,"key":"k","value":{"a":1},"version":1}',
      '{"collection":"c","cached":"2026-11-23T05:04:57.123000+00:00","key":"k","value":{"a":1},"version":1}',
      '{"collection":"c","extra":"2026-11-23T05:04:57.123000+00:00","key":"k","value":{"a":1},"version":1}',
    ];
    for (const json of documents) expectReadAsDeserializeEntry(json);
  });

  it("fails on a malformed expiry as deserializeEntry does", () => {
    const json =
      '{"collection":"c","created_at":"2026-11-23T05:04:57.123000+00:00","expires_at":"2026-11-23T06:04:57.123000+0X:00","key":"k","value":{"a":1},"version":1}';
    expect(() => deserializeEntry(json)).toThrow(DeserializationError);
    expect(() => decodeEntry(json)).toThrow(DeserializationError);
  });
});
