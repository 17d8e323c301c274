/** Separates a collection from a key in a database key, as in py-key-value's compound keys. */
const separator = "::";

/** `%` and `:` in a collection name are percent-encoded, so the first `:` ends the collection. */
function escapeCollection(collection: string): string {
  return collection.replace(/[%:]/g, (char) => (char === "%" ? "%25" : "%3A"));
}

function unescapeCollection(escaped: string): string {
  return escaped.replace(/%3A|%25/g, (code) => (code === "%25" ? "%" : ":"));
}

/** What every database key of a collection starts with: `<collection, % and : escaped>::`. */
export function collectionPrefix(collection: string): string {
  return escapeCollection(collection) + separator;
}

/** The range holding every key of one collection: all keys beginning with `<collection>::`. */
export function collectionRange(collection: string): { gte: string; lt: string } {
  const escaped = escapeCollection(collection);
  return { gte: escaped + separator, lt: `${escaped}:;` };
}

/** Where a database key's collection ends (the index of its separator), or -1. */
function separatorIndex(databaseKey: string): number {
  const index = databaseKey.indexOf(":");
  return databaseKey.startsWith(separator, index) ? index : -1;
}

/** The collection a database key belongs to, and the first key past that collection. */
export function collectionOf(
  databaseKey: string,
): { collection: string; next: string } | undefined {
  const index = separatorIndex(databaseKey);
  if (index <= 0) return undefined;
  const escaped = databaseKey.slice(0, index);
  return { collection: unescapeCollection(escaped), next: `${escaped}:;` };
}
