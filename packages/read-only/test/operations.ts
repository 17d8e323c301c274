/**
 * The operations that change data: what ReadOnlyWrapper must refuse, whatever method carries
 * them (`writeEntries` reports `putMany` under protocols that give it no name of its own).
 */
export const writing: ReadonlySet<string> = new Set([
  "put",
  "putMany",
  "writeEntries",
  "delete",
  "deleteMany",
  "destroyCollection",
  "destroy",
  "cull",
  "putIfAbsent",
  "putIfVersion",
  "deleteIfVersion",
  "increment",
  "touch",
]);
