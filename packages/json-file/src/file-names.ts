import { isEncodedName } from "@kv/atomic-files";

/** What a collection's file name ends with; the stem is the collection's `encodeName`. */
export const fileSuffix = ".json";

/** The stem of a collection file's name, or `undefined` for any other name. */
export function collectionStem(fileName: string): string | undefined {
  if (!fileName.endsWith(fileSuffix)) return undefined;
  const stem = fileName.slice(0, -fileSuffix.length);
  return isEncodedName(stem) ? stem : undefined;
}
