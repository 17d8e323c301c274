import yauzl from "yauzl";
import type { ZipEntry } from "./zip-format.ts";

/** An archive's entries (in central directory order) and where its central directory starts. */
export interface ArchiveIndex {
  entries: ZipEntry[];
  /** New entries are written here, over the old central directory. */
  directoryStart: number;
}

/**
 * Reads the central directory of the archive at `path` with yauzl (zip64, CP437 or UTF-8 names,
 * Info-ZIP Unicode paths).
 * @throws yauzl's error for a file that is not a zip archive or has unsafe names
 */
export function readIndex(path: string): Promise<ArchiveIndex> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: true }, (error, zipfile) => {
      if (error !== null || zipfile === undefined) return reject(error);
      const directoryStart = (zipfile as unknown as { readEntryCursor?: unknown }).readEntryCursor;
      if (typeof directoryStart !== "number") {
        zipfile.close();
        return reject(new Error("yauzl did not say where the central directory starts"));
      }
      const entries: ZipEntry[] = [];
      zipfile.on("error", reject);
      zipfile.on("end", () => resolve({ entries, directoryStart }));
      zipfile.on("entry", (entry: yauzl.Entry) => {
        entries.push(toEntry(entry));
        zipfile.readEntry();
      });
      zipfile.readEntry();
    });
  });
}

function toEntry(entry: yauzl.Entry): ZipEntry {
  return {
    name: entry.fileName,
    nameBytes: Buffer.from(entry.fileNameRaw),
    flags: entry.generalPurposeBitFlag,
    method: entry.compressionMethod,
    time: entry.lastModFileTime,
    date: entry.lastModFileDate,
    crc: entry.crc32,
    compressedSize: entry.compressedSize,
    size: entry.uncompressedSize,
    offset: entry.relativeOffsetOfLocalHeader,
    versionMadeBy: entry.versionMadeBy,
    versionNeeded: entry.versionNeededToExtract,
    internalAttributes: entry.internalFileAttributes,
    externalAttributes: entry.externalFileAttributes,
    extra: Buffer.concat(
      entry.extraFields
        .filter((field) => field.id !== 0x0001)
        .map((field) => {
          const header = Buffer.alloc(4);
          header.writeUInt16LE(field.id, 0);
          header.writeUInt16LE(field.data.length, 2);
          return Buffer.concat([header, field.data]);
        }),
    ),
    comment: Buffer.from(entry.fileCommentRaw),
  };
}
