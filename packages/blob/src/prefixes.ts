/**
 * The keys starting with `prefix` cut after the first `delimiter` that follows the prefix, each
 * prefix once; keys with no delimiter there are yielded whole. Remembers the prefixes it yielded,
 * so memory grows with their number, not with the number of keys.
 */
export async function* prefixesOf(
  keys: AsyncIterable<string>,
  prefix: string,
  delimiter: string,
): AsyncGenerator<string, void, undefined> {
  const seen = new Set<string>();
  for await (const key of keys) {
    if (!key.startsWith(prefix)) continue;
    const cut = key.indexOf(delimiter, prefix.length);
    if (cut === -1) {
      yield key;
      continue;
    }
    const common = key.slice(0, cut + delimiter.length);
    if (seen.has(common)) continue;
    seen.add(common);
    yield common;
  }
}
