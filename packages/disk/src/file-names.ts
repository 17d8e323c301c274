import { join } from "node:path";
import { encodeName, hashName } from "@kv/atomic-files";

/** What an entry's file name ends with. */
export const entrySuffix = ".json";

/** The hashed fan-out directories of a key: `levels` segments of two hex digits. */
export function fanOutSegments(key: string, levels: number): string[] {
  if (levels === 0) return [];
  const hash = hashName(key);
  return Array.from({ length: levels }, (_, level) => hash.slice(level * 2, level * 2 + 2));
}

/** True for a fan-out directory name. */
export function isFanOutSegment(name: string): boolean {
  return /^[0-9a-f]{2}$/.test(name);
}

/** The directory of a collection under the store's root. */
export function collectionPathOf(root: string, collection: string): string {
  return join(root, encodeName(collection));
}

/** The file of an entry: its collection's directory, the key's fan-out directories, its name. */
export function entryPathOf(root: string, collection: string, key: string, levels: number): string {
  return join(
    collectionPathOf(root, collection),
    ...fanOutSegments(key, levels),
    encodeName(key) + entrySuffix,
  );
}
