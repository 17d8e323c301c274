import { type $ZodIssue, regexes } from "zod/v4/core";

const instant = regexes.datetime({ offset: true });

/**
 * Turns back into `Date`s the ISO-8601 strings a stored value holds where the schema wants a
 * `Date` (a plain `z.date()`), as zod's issues show: an `invalid_type` issue expecting a date, at
 * a path whose stored value is a date-time with `Z` or an offset, or a date alone (UTC midnight).
 * Issues inside unions count, so the option that matches decides. Containers are changed in place.
 * @returns the value with those strings revived, or `undefined` when there were none.
 */
export function reviveDates(stored: unknown, issues: readonly $ZodIssue[]): unknown {
  const box = { value: stored };
  let revived = false;
  const pending = issues.map((issue): [$ZodIssue, readonly PropertyKey[]] => [issue, ["value"]]);
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [issue, prefix] = next;
    const path = [...prefix, ...issue.path];
    if (issue.code === "invalid_union") {
      for (const option of issue.errors) for (const inner of option) pending.push([inner, path]);
    } else if (issue.code === "invalid_type" && issue.expected === "date") {
      revived = reviveAt(box, path) || revived;
    }
  }
  return revived ? box.value : undefined;
}

function reviveAt(root: unknown, path: readonly PropertyKey[]): boolean {
  const last = path.at(-1);
  if (last === undefined) return false;
  let parent: unknown = root;
  for (const key of path.slice(0, -1)) {
    if (typeof parent !== "object" || parent === null) return false;
    parent = (parent as Record<PropertyKey, unknown>)[key];
  }
  if (typeof parent !== "object" || parent === null) return false;
  const holder = parent as Record<PropertyKey, unknown>;
  const text = holder[last];
  if (typeof text !== "string" || !(instant.test(text) || regexes.date.test(text))) return false;
  holder[last] = new Date(text);
  return true;
}
