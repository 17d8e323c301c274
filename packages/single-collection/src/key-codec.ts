/**
 * The injective encoding of a (collection, key) pair as one key: `<escaped collection><separator><key>`.
 *
 * A character of the collection is percent-escaped (its UTF-8 bytes as `%XX`) when it is `%` or
 * when an occurrence of the separator starts at it in `collection + separator`. The separator has
 * no `%`, letters or digits, so it never occurs inside an escape either: the first occurrence of
 * the separator in a stored key is always the one after the collection, and the key is the rest.
 * A collection without `%` in which the separator cannot start is stored as it is, which is
 * py-key-value's layout (`users__u1`).
 */

const utf8 = new TextEncoder();

/** Why a separator cannot be used, or `undefined` when it can. */
export function separatorProblem(separator: unknown): string | undefined {
  if (typeof separator !== "string" || separator === "") return "must be a non-empty string";
  if (/[%0-9A-Za-z]/.test(separator)) return "must not contain %, ASCII letters or digits";
  try {
    encodeURIComponent(separator);
  } catch {
    return "must not contain a lone UTF-16 surrogate";
  }
  return undefined;
}

/** The collection as it is written in front of the separator. */
export function escapeCollection(collection: string, separator: string): string {
  const joined = collection + separator;
  if (!collection.includes("%") && joined.indexOf(separator) === collection.length) {
    return collection;
  }
  let escaped = "";
  let index = 0;
  for (const character of collection) {
    escaped +=
      character === "%" || joined.startsWith(separator, index)
        ? percentEncode(character)
        : character;
    index += character.length;
  }
  return escaped;
}

/** The (collection, key) pair a stored key encodes, or `undefined` when it encodes none. */
export function decodePair(
  stored: string,
  separator: string,
): { collection: string; key: string } | undefined {
  const at = stored.indexOf(separator);
  if (at <= 0 || at + separator.length >= stored.length) return undefined;
  const escaped = stored.slice(0, at);
  let collection = escaped;
  if (escaped.includes("%")) {
    try {
      collection = decodeURIComponent(escaped);
    } catch {
      return undefined;
    }
  }
  if (escapeCollection(collection, separator) !== escaped) return undefined;
  return { collection, key: stored.slice(at + separator.length) };
}

function percentEncode(character: string): string {
  let encoded = "";
  for (const byte of utf8.encode(character)) {
    encoded += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return encoded;
}
