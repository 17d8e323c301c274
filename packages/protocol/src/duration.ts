import { InvalidTtlError, type KeyValueErrorOptions } from "./errors.ts";

/** Seconds per unit, by every spelling the parser accepts. */
const unitSeconds: ReadonlyMap<string, number> = new Map(
  (
    [
      [0.001, ["ms", "msec", "msecs", "millisecond", "milliseconds"]],
      [1, ["s", "sec", "secs", "second", "seconds"]],
      [60, ["m", "min", "mins", "minute", "minutes"]],
      [3600, ["h", "hr", "hrs", "hour", "hours"]],
      [86_400, ["d", "day", "days"]],
      [604_800, ["w", "week", "weeks"]],
    ] as const
  ).flatMap(([seconds, names]) => names.map((name) => [name, seconds] as const)),
);

const segment = /(\d+(?:\.\d+)?|\.\d+)\s*([a-z]+)\s*/gy;

/**
 * Parses a duration written for people into seconds: one or more `<number><unit>` parts, such as
 * `"30s"`, `"5m"`, `"1 hour"`, `"30 seconds"`, `"2h30m"`, `"1.5d"`, `"250ms"`. Units: ms, s, m,
 * h, d, w and their long forms (`sec`, `minutes`, `hrs` ...), case-insensitive. Anything else —
 * a bare number, a sign, an unknown unit, extra text — is refused.
 * @throws InvalidTtlError naming the text
 */
export function parseDuration(
  text: string,
  context: Omit<KeyValueErrorOptions, "message"> = {},
): number {
  const source = text.trim().toLowerCase();
  let seconds = 0;
  segment.lastIndex = 0;
  let end = 0;
  for (let match = segment.exec(source); match !== null; match = segment.exec(source)) {
    const unit = unitSeconds.get(match[2] as string);
    if (unit === undefined) break;
    seconds += Number(match[1]) * unit;
    end = segment.lastIndex;
  }
  if (source.length === 0 || end !== source.length) {
    throw new InvalidTtlError({
      ...context,
      message: `${JSON.stringify(text)} is not a duration (write a number of seconds, or text such as "30s", "5m", "1 hour", "2h30m")`,
    });
  }
  return seconds;
}
