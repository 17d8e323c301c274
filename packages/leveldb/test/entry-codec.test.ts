import { withCharCodeAtHidden } from "@kv/conformance";
import { createEntry, DeserializationError, deserializeEntry, serializeEntry } from "@kv/protocol";
import { describe, expect, it } from "vitest";
import { decodeEntry, encodeEntry } from "../src/entry-codec.ts";

const now = Date.UTC(2026, 10, 23, 5, 4, 57, 123);

/** `decodeEntry` gives what `deserializeEntry` gives, or throws `DeserializationError` as it does. */
function expectSameRead(text: string): void {
  let expected: unknown;
  try {
    expected = deserializeEntry(text);
  } catch (error) {
    expect(DeserializationError.isInstance(error)).toBe(true);
    expect(() => decodeEntry(text)).toThrow(DeserializationError);
    return;
  }
  expect(decodeEntry(text), text).toEqual(expected);
}

describe("the LevelDB entry codec", () => {
  it("writes exactly what serializeEntry writes", () => {
    const entries = [
      createEntry({ name: "Ada", nested: { list: [1, "two", null] } }, undefined, now),
      createEntry({ a: 1 }, 0.001, now),
      createEntry({ a: 'ünï🙂\u0000"' }, 86_400 * 365 * 30, now),
      { value: { a: 1 }, createdAt: undefined, expiresAt: undefined },
      { value: {}, createdAt: undefined, expiresAt: now },
    ];
    for (const entry of entries) {
      expect(encodeEntry(entry)).toBe(serializeEntry(entry));
      expect(encodeEntry(entry)).toBe(serializeEntry(entry));
    }
  });

  it("reads without String.prototype.charCodeAt (slow once a class extends String)", () => {
    const entries = [
      createEntry({ a: 1 }, 90, now),
      createEntry({ b: 2 }, 90, now + 3_600_000),
      createEntry({ c: 3 }, undefined, now),
    ];
    const texts = entries.map(encodeEntry);
    expect(withCharCodeAtHidden(() => texts.map(decodeEntry))).toEqual(entries);
  });

  it("writes every timestamp as formatTimestamp does, across minutes, years and fractions", () => {
    const instants = [0, 1, 59_999, 60_000, 1.5, -1, -60_001, Date.UTC(10000, 0, 1)];
    instants.push(now, now + 1, now + 0.25, now + 59_876, now + 60_000, Date.UTC(9999, 11, 31));
    for (let step = 0; step < 500; step++) instants.push(now + step * 7_919);
    for (const createdAt of instants) {
      const entry = { value: { a: 1 }, createdAt, expiresAt: createdAt + 3_600_000 };
      expect(encodeEntry(entry)).toBe(serializeEntry(entry));
      expectSameRead(encodeEntry(entry));
    }
  });

  it("reads documents that only resemble its own layout exactly as deserializeEntry does", () => {
    const stamp = "2026-11-23T05:04:57.123000+00:00";
    const documents = [
      `{"created_at":"${stamp}","value":{"s":",\\"version\\":1}"},"version":1}`,
      `{"created_at":"${stamp}","value":{"a":1},"expires_at":"${stamp}","version":1}`,
      `{"created_at":"${stamp}","expires_at":"2026-11-23T05:04:75.999000+00:00","value":{},"version":1}`,
      `{"created_at":"2026-11-23T05:04:57.123456+00:00","value":{"a":1},"version":1}`,
      `{"created_at":"2026-11-23T05:04:57.123000+02:00","value":{"a":1},"version":1}`,
      `{"created_at":"2026-02-30T25:61:57.123000+00:00","value":{"a":1},"version":1}`,
      `{"created_at":"${stamp}", "value":{"a":1},"version":1}`,
      `{"value":{"a":1} ,"version":1}`,
      `{"value":{"a":1},"version":1}`,
      `{"created_at":"${stamp}","value":"{\\"a\\": 1}","version":1}`,
    ];
    for (const text of documents) expectSameRead(text);
    for (const text of [
      `{"created_at":"${stamp}","value":[1],"version":1}`,
      `{"created_at":"${stamp}","value":{"a":1}},"version":1}`,
      `{"created_at":"2026-11-23T05:04:5x.123000+00:00","value":{"a":1},"version":1}`,
      `{"created_at":"${stamp}","value":{"a":1,"version":1}`,
    ]) {
      expect(() => deserializeEntry(text)).toThrow(DeserializationError);
      expect(() => decodeEntry(text)).toThrow(DeserializationError);
    }
  });

  it("reads whatever deserializeEntry reads, to the same entry", () => {
    const documents = [
      serializeEntry(createEntry({ a: 1 }, 60, now)),
      serializeEntry(createEntry({ a: 1 }, 60, now + 1)),
      '{"value": {"a": 1}, "created_at": "2026-11-23T05:04:57Z", "version": 1}',
      '{"value": "{\\"a\\": 1}", "expires_at": "2026-11-23T05:04:57.123456+02:00"}',
      '{"value": {"a": 1}, "created_at": "2026-11-23T05:04:57.999000+00:00", "expires_at": null}',
      '{"value": {"a": 1}, "created_at": "2026-11-23 05:04:57.1+00:00"}',
      '{"value": {"a": 1}, "created_at": 1790000000000}',
    ];
    for (const text of documents) expect(decodeEntry(text)).toEqual(deserializeEntry(text));
  });

  it("refuses what deserializeEntry refuses", () => {
    for (const text of [
      "not json",
      "[]",
      "null",
      '{"value": [1]}',
      '{"value": {"a": 1}, "created_at": "2026-13-45T99:00:00.000000+00:0x"}',
    ]) {
      expect(() => deserializeEntry(text)).toThrow(DeserializationError);
      expect(() => decodeEntry(text)).toThrow(DeserializationError);
    }
  });
});
