/**
 * Binds as the upper end of a key range that has none: SQLite orders every TEXT value before every
 * BLOB, so `key < x''` holds for every key while the range stays an index seek.
 */
export const NO_UPPER_BOUND: Buffer = Buffer.alloc(0);

/**
 * The smallest string greater than every string starting with `prefix` (its last code point
 * incremented, dropping code points that cannot be), or `NO_UPPER_BOUND` when there is none.
 * SQLite compares TEXT as UTF-8 bytes, which order like code points, so
 * `key >= prefix AND key < upperBound(prefix)` selects exactly the keys starting with `prefix`.
 */
export function upperBound(prefix: string): string | Buffer {
  const points = Array.from(prefix);
  for (let last = points.pop(); last !== undefined; last = points.pop()) {
    let next = (last.codePointAt(0) ?? 0) + 1;
    if (next === 0xd800) next = 0xe000;
    if (next <= 0x10ffff) return points.join("") + String.fromCodePoint(next);
  }
  return NO_UPPER_BOUND;
}
