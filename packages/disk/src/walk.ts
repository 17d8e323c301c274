import { opendir } from "node:fs/promises";
import { join } from "node:path";
import { errorCode } from "@kv/atomic-files";
import { isFanOutSegment } from "./file-names.ts";

/** How many files are read or written at once by bulk calls, enumeration and culling. */
export const parallelFiles = 32;

/** A file found below a collection directory. */
export interface FoundFile {
  /** Its full path. */
  readonly path: string;
  /** Its name within its directory. */
  readonly name: string;
}

/** Yields the names of a directory's entries of one kind (or all), streaming; nothing if it is missing. */
export async function* listDirectory(
  directory: string,
  kind: "file" | "directory" | "any",
): AsyncGenerator<string, void, undefined> {
  let handle: Awaited<ReturnType<typeof opendir>>;
  try {
    handle = await opendir(directory, { bufferSize: 64 });
  } catch (error) {
    const code = errorCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return;
    throw error;
  }
  for await (const dirent of handle) {
    if (kind === "any" || (kind === "file" ? dirent.isFile() : dirent.isDirectory())) {
      yield dirent.name;
    }
  }
}

/**
 * Yields every file (or, with `kind: "any"`, every name) `depth` fan-out levels below
 * `directory`, in bounded memory.
 */
export async function* walkFiles(
  directory: string,
  depth: number,
  kind: "file" | "any" = "file",
): AsyncGenerator<FoundFile, void, undefined> {
  if (depth === 0) {
    for await (const name of listDirectory(directory, kind)) {
      yield { path: join(directory, name), name };
    }
    return;
  }
  for await (const name of listDirectory(directory, "directory")) {
    if (isFanOutSegment(name)) yield* walkFiles(join(directory, name), depth - 1, kind);
  }
}

/** Maps items with at most `limit` calls in flight, keeping their order. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  call: (item: T) => Promise<R>,
): Promise<R[]> {
  if (items.length <= limit) return Promise.all(items.map(call));
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await call(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}
