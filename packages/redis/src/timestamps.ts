import { codeUnitAt, formatTimestamp, parseTimestamp } from "@kv/protocol";

const DAY_MS = 86_400_000;
/** 10000-01-01T00:00:00Z: beyond it `toISOString` writes six-digit years. */
const YEAR_10000_MS = 253_402_300_800_000;

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
/** `"000000+00:00"` … `"999000+00:00"`: the milliseconds and what follows them. */
const MILLIS_TAIL = Array.from(
  { length: 1000 },
  (_, ms) => `${String(ms).padStart(3, "0")}000+00:00`,
);

/** The text up to the milliseconds of one second, `YYYY-MM-DDTHH:MM:SS.`, remembered per field. */
class SecondPrefix {
  private second = Number.NaN;
  private text = "";

  of(second: number): string {
    if (second !== this.second) {
      this.text = secondText(second);
      this.second = second;
    }
    return this.text;
  }
}

function secondText(second: number): string {
  const days = Math.floor(second / 86_400);
  const inDay = second - days * 86_400;
  const hours = Math.floor(inDay / 3600);
  const minutes = Math.floor((inDay - hours * 3600) / 60);
  const seconds = inDay - hours * 3600 - minutes * 60;
  // Civil date from days since the epoch (H. Hinnant's algorithm), without a Date object.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shifted = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shifted + 2) / 5) + 1;
  const month = shifted < 10 ? shifted + 3 : shifted - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${String(year).padStart(4, "0")}-${pad2(month)}-${pad2(day)}T${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}.`;
}

/**
 * Formats epoch milliseconds as `formatTimestamp` of `@kv/protocol` does
 * (`2026-11-23T05:04:57.123000+00:00`), without a `Date`: the text up to the second is
 * remembered, so a timestamp within the same second as the previous one costs one concatenation.
 */
export class TimestampFormatter {
  private readonly prefix = new SecondPrefix();

  format(epochMs: number): string {
    if (!(epochMs >= 0 && epochMs < YEAR_10000_MS)) return formatTimestamp(epochMs);
    const whole = Math.floor(epochMs);
    const second = Math.floor(whole / 1000);
    return this.prefix.of(second) + (MILLIS_TAIL[whole - second * 1000] as string);
  }
}

/** The value of the digit at `index`, or -1 when it is not a digit. */
function digit(text: string, index: number): number {
  const value = codeUnitAt(text, index) - 48;
  return value >= 0 && value <= 9 ? value : -1;
}

/** The two-digit number at `index`, or -1 when those are not two digits. */
function pair(text: string, index: number): number {
  const tens = codeUnitAt(text, index) - 48;
  const ones = codeUnitAt(text, index + 1) - 48;
  return tens >= 0 && tens <= 9 && ones >= 0 && ones <= 9 ? tens * 10 + ones : -1;
}

/** Where the UTC designator (`Z` or `+00:00`) that ends the text starts, or -1. */
function utcSuffix(text: string, length: number): number {
  if (codeUnitAt(text, length - 1) === 90) return length - 1;
  const at = length - 6;
  return codeUnitAt(text, at) === 43 &&
    pair(text, at + 1) === 0 &&
    codeUnitAt(text, at + 3) === 58 &&
    pair(text, at + 4) === 0
    ? at
    : -1;
}

/** Days since the epoch of a civil date (H. Hinnant's algorithm); `day` may overflow the month. */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/**
 * The UTC forms written in practice, `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+00:00)` (this library,
 * py-key-value's microseconds, `toISOString`), read with integer arithmetic; `undefined` for
 * anything else. Agrees with `parseTimestamp` wherever it answers.
 */
function parseUtc(text: string): number | undefined {
  const length = text.length;
  if (length < 20 || codeUnitAt(text, 4) !== 45 || codeUnitAt(text, 7) !== 45) return undefined;
  if (codeUnitAt(text, 13) !== 58 || codeUnitAt(text, 16) !== 58) return undefined;
  const separator = codeUnitAt(text, 10);
  if (separator !== 84 && separator !== 32) return undefined;
  const end = utcSuffix(text, length);
  let millis = 0;
  if (end > 19) {
    if (codeUnitAt(text, 19) !== 46 || end === 20 || end > 29) return undefined;
    for (let index = 20; index < end; index++) {
      const next = digit(text, index);
      if (next < 0) return undefined;
      if (index < 23) millis = millis * 10 + next;
    }
    if (end < 23) millis *= end === 21 ? 100 : 10;
  } else if (end !== 19) {
    return undefined;
  }
  const century = pair(text, 0);
  const yearOfCentury = pair(text, 2);
  const month = pair(text, 5);
  const day = pair(text, 8);
  const hours = pair(text, 11);
  const minutes = pair(text, 14);
  const seconds = pair(text, 17);
  // Date.UTC reads years 0-99 as 1900-1999: leave those to parseTimestamp.
  if (century < 1 || yearOfCentury < 0 || month < 1 || month > 12 || day < 0) return undefined;
  if (hours < 0 || minutes < 0 || seconds < 0) return undefined;
  return (
    daysFromCivil(century * 100 + yearOfCentury, month, day) * DAY_MS +
    hours * 3_600_000 +
    minutes * 60_000 +
    seconds * 1000 +
    millis
  );
}

/**
 * The form of timestamp written here and by py-key-value, `YYYY-MM-DDTHH:MM:SS.ffffff+00:00`, as
 * the source of a regular expression.
 */
export const STAMP_PATTERN: string = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00`;

/** What the digit character codes of `"00"`, `"000"`, `"0000"` sum to in place value. */
const ZEROS_2 = 48 * 11;
const ZEROS_3 = 48 * 111;
const ZEROS_4 = 48 * 1111;

/**
 * The epoch milliseconds of the timestamp at `at` in `text`, already known to match
 * `STAMP_PATTERN`, read in place; `NaN` for a year before 100 or a month outside 1-12 (read those
 * with `readTimestamp`). Agrees with `parseTimestamp`.
 */
export function stampAt(text: string, at: number): number {
  const year =
    codeUnitAt(text, at) * 1000 +
    codeUnitAt(text, at + 1) * 100 +
    codeUnitAt(text, at + 2) * 10 +
    codeUnitAt(text, at + 3) -
    ZEROS_4;
  const month = codeUnitAt(text, at + 5) * 10 + codeUnitAt(text, at + 6) - ZEROS_2;
  // Date.UTC reads years 0-99 as 1900-1999: leave those to parseTimestamp.
  if (year < 100 || month < 1 || month > 12) return Number.NaN;
  const day = codeUnitAt(text, at + 8) * 10 + codeUnitAt(text, at + 9) - ZEROS_2;
  const hours = codeUnitAt(text, at + 11) * 10 + codeUnitAt(text, at + 12) - ZEROS_2;
  const minutes = codeUnitAt(text, at + 14) * 10 + codeUnitAt(text, at + 15) - ZEROS_2;
  const seconds = codeUnitAt(text, at + 17) * 10 + codeUnitAt(text, at + 18) - ZEROS_2;
  const millis =
    codeUnitAt(text, at + 20) * 100 +
    codeUnitAt(text, at + 21) * 10 +
    codeUnitAt(text, at + 22) -
    ZEROS_3;
  return (
    daysFromCivil(year, month, day) * DAY_MS +
    hours * 3_600_000 +
    minutes * 60_000 +
    seconds * 1000 +
    millis
  );
}

/**
 * Reads a stored timestamp as `parseTimestamp` of `@kv/protocol` does, with a fast path for the
 * UTC forms.
 * @throws DeserializationError when it is not a timestamp
 */
export function readTimestamp(input: unknown): number {
  if (typeof input === "string") {
    const epochMs = parseUtc(input);
    if (epochMs !== undefined) return epochMs;
  }
  return parseTimestamp(input);
}
