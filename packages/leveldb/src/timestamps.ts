import { codeUnitAt, formatTimestamp, parseTimestamp } from "@kv/protocol";

/** The UTF-16 codes of `text`, for `holds`. */
export function codesOf(text: string): readonly number[] {
  return Array.from(text, (char) => char.charCodeAt(0));
}

/** True when `text` holds the characters `codes` at `at` (cheaper than `startsWith` in V8 11). */
export function holds(text: string, codes: readonly number[], at: number): boolean {
  if (at < 0 || text.length < at + codes.length) return false;
  for (let index = 0; index < codes.length; index++) {
    if (codeUnitAt(text, at + index) !== codes[index]) return false;
  }
  return true;
}

/** Reads `count` decimal digits at `start`; NaN when any is not a digit. */
function digits(text: string, start: number, count: number): number {
  let result = 0;
  for (let index = start; index < start + count; index++) {
    const digit = codeUnitAt(text, index) - 48;
    if (digit < 0 || digit > 9) return Number.NaN;
    result = result * 10 + digit;
  }
  return result;
}

/** The length of a timestamp as `formatTimestamp` writes it: `2026-11-23T05:04:57.123000+00:00`. */
export const stampLength = 32;
/** Its minute, `2026-11-23T05:04:`: `0` stands for a digit. */
const minutePattern = "0000-00-00T00:00:";
const minuteLength = minutePattern.length;
const stampEnd = codesOf("000+00:00");
/** Epoch ms of 10000-01-01: `formatTimestamp` writes four-digit years below it. */
const fourDigitYears = 253_402_300_800_000;
const seconds = Array.from({ length: 60 }, (_, second) => String(second).padStart(2, "0"));
const fractions = Array.from(
  { length: 1000 },
  (_, ms) => `.${String(ms).padStart(3, "0")}000+00:00`,
);

/**
 * A `formatTimestamp` that remembers the last minute it wrote (`2026-11-23T05:04:`) and its last
 * answer, so most timestamps cost a concatenation instead of a `Date`.
 */
export function memoFormat(): (epochMs: number) => string {
  let lastMs = Number.NaN;
  let lastText = "";
  let minuteMs = Number.NaN;
  let minute = "";
  return (epochMs) => {
    if (epochMs === lastMs) return lastText;
    let offset = epochMs - minuteMs;
    if (!(offset >= 0 && offset < 60_000 && Number.isInteger(offset))) {
      if (!(epochMs >= 0 && epochMs < fourDigitYears && Number.isInteger(epochMs))) {
        return formatTimestamp(epochMs);
      }
      offset = epochMs % 60_000;
      minuteMs = epochMs - offset;
      minute = formatTimestamp(minuteMs).slice(0, minuteLength);
    }
    lastText = `${minute}${seconds[Math.floor(offset / 1000)]}${fractions[offset % 1000]}`;
    lastMs = epochMs;
    return lastText;
  };
}

/**
 * Reads timestamps as `parseTimestamp` does, remembering the last minute it read
 * (`2026-11-23T05:04:`), so a timestamp this library wrote costs a few character reads.
 */
export class TimestampReader {
  private minute = "1970-01-01T00:00:";
  private minuteMs = 0;

  /** Epoch ms of a timestamp in exactly the form `formatTimestamp` writes at `at` in `text`; else NaN. */
  at(text: string, at: number): number {
    if (text.length < at + stampLength || codeUnitAt(text, at + 19) !== 46) return Number.NaN;
    if (!holds(text, stampEnd, at + 23)) return Number.NaN;
    if (!this.sameMinute(text, at) && !this.readMinute(text, at)) return Number.NaN;
    return this.minuteMs + digits(text, at + 17, 2) * 1000 + digits(text, at + 20, 3);
  }

  /**
   * Any timestamp `parseTimestamp` reads; `undefined` for `undefined` and `null`.
   * @throws DeserializationError when it is not a timestamp
   */
  read(input: unknown): number | undefined {
    if (input === undefined || input === null) return undefined;
    const epochMs =
      typeof input === "string" && input.length === stampLength ? this.at(input, 0) : Number.NaN;
    return Number.isNaN(epochMs) ? parseTimestamp(input) : epochMs;
  }

  private sameMinute(text: string, at: number): boolean {
    const minute = this.minute;
    for (let index = 0; index < minuteLength; index++) {
      if (codeUnitAt(text, at + index) !== codeUnitAt(minute, index)) return false;
    }
    return true;
  }

  private readMinute(text: string, at: number): boolean {
    for (let index = 0; index < minuteLength; index++) {
      const expected = codeUnitAt(minutePattern, index);
      if (expected !== 48 && codeUnitAt(text, at + index) !== expected) return false;
    }
    const start = Date.UTC(
      digits(text, at, 4),
      digits(text, at + 5, 2) - 1,
      digits(text, at + 8, 2),
      digits(text, at + 11, 2),
      digits(text, at + 14, 2),
    );
    if (Number.isNaN(start)) return false;
    this.minute = text.slice(at, at + minuteLength);
    this.minuteMs = start;
    return true;
  }
}
