/**
 * The operations that read or list: what WriteOnlyWrapper must refuse, whatever method carries
 * them (`readEntries` reports `getMany` under protocols that give it no name of its own).
 */
export const reading: ReadonlySet<string> = new Set([
  "get",
  "getMany",
  "ttl",
  "ttlMany",
  "keys",
  "collections",
  "readEntries",
  "getVersioned",
  "increment",
]);
