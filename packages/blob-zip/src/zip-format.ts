/** One entry of the archive, as its central directory record describes it. */
export interface ZipEntry {
  /** The decoded name: the blob's key. */
  readonly name: string;
  /** The name as stored (UTF-8 for entries the store writes). */
  readonly nameBytes: Buffer;
  readonly flags: number;
  /** 0 stored, 8 deflated. */
  readonly method: number;
  readonly time: number;
  readonly date: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  /** Where its local header starts. */
  readonly offset: number;
  readonly versionMadeBy: number;
  readonly versionNeeded: number;
  readonly internalAttributes: number;
  readonly externalAttributes: number;
  /** Extra fields of the central record other than zip64's (which is made anew). */
  readonly extra: Buffer;
  readonly comment: Buffer;
}

const LOCAL_SIGNATURE = 0x04034b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const END_SIGNATURE = 0x06054b50;
const END64_SIGNATURE = 0x06064b50;
const LOCATOR64_SIGNATURE = 0x07064b50;
const MAX32 = 0xffffffff;
const MAX16 = 0xffff;
/** UTF-8 names (general purpose flag bit 11). */
export const UTF8_FLAG = 0x0800;
/** Zip64 (version 4.5) is needed to read the sizes in a local header's zip64 field. */
const ZIP64_VERSION = 45;
/** Made by "Unix" (3), spec version 4.5: external attributes hold a Unix mode. */
const MADE_BY = (3 << 8) | ZIP64_VERSION;
/** A regular file, rw-r--r--, in the high half of the external attributes. */
const FILE_ATTRIBUTES = (0o100644 << 16) >>> 0;

/** Bytes of a local header before the name. */
export const LOCAL_HEADER_BYTES = 30;

/** A new entry's description before its data is written (sizes and CRC are patched in after). */
export function newEntry(name: string, method: number, offset: number, now: Date): ZipEntry {
  return {
    name,
    nameBytes: Buffer.from(name, "utf8"),
    flags: UTF8_FLAG,
    method,
    time: (now.getHours() << 11) | (now.getMinutes() << 5) | (now.getSeconds() >> 1),
    date: ((now.getFullYear() - 1980) << 9) | ((now.getMonth() + 1) << 5) | now.getDate(),
    crc: 0,
    compressedSize: 0,
    size: 0,
    offset,
    versionMadeBy: MADE_BY,
    versionNeeded: ZIP64_VERSION,
    internalAttributes: 0,
    externalAttributes: FILE_ATTRIBUTES,
    extra: Buffer.alloc(0),
    comment: Buffer.alloc(0),
  };
}

/**
 * The local header of an entry the store writes: sizes unknown yet, so it carries a zip64 field
 * whose 8-byte sizes (and the CRC) are patched in once the data is written (`localPatches`).
 */
export function localHeader(entry: ZipEntry): Buffer {
  const header = Buffer.alloc(LOCAL_HEADER_BYTES + entry.nameBytes.length + 20);
  header.writeUInt32LE(LOCAL_SIGNATURE, 0);
  header.writeUInt16LE(ZIP64_VERSION, 4);
  header.writeUInt16LE(entry.flags, 6);
  header.writeUInt16LE(entry.method, 8);
  header.writeUInt16LE(entry.time, 10);
  header.writeUInt16LE(entry.date, 12);
  header.writeUInt32LE(MAX32, 18);
  header.writeUInt32LE(MAX32, 22);
  header.writeUInt16LE(entry.nameBytes.length, 26);
  header.writeUInt16LE(20, 28);
  entry.nameBytes.copy(header, LOCAL_HEADER_BYTES);
  const extra = LOCAL_HEADER_BYTES + entry.nameBytes.length;
  header.writeUInt16LE(0x0001, extra);
  header.writeUInt16LE(16, extra + 2);
  return header;
}

/** What to write over a local header once the data is written: [position, bytes] pairs. */
export function localPatches(entry: ZipEntry): [number, Buffer][] {
  const crc = Buffer.alloc(4);
  crc.writeUInt32LE(entry.crc, 0);
  const sizes = Buffer.alloc(16);
  sizes.writeBigUInt64LE(BigInt(entry.size), 0);
  sizes.writeBigUInt64LE(BigInt(entry.compressedSize), 8);
  const extra = entry.offset + LOCAL_HEADER_BYTES + entry.nameBytes.length;
  return [
    [entry.offset + 14, crc],
    [extra + 4, sizes],
  ];
}

/** Where an entry's data starts, from the 30 bytes of its local header. */
export function dataStart(entry: ZipEntry, header: Buffer): number {
  if (header.length < LOCAL_HEADER_BYTES || header.readUInt32LE(0) !== LOCAL_SIGNATURE) {
    throw new Error(`No local header at offset ${entry.offset} for ${entry.name}`);
  }
  return entry.offset + LOCAL_HEADER_BYTES + header.readUInt16LE(26) + header.readUInt16LE(28);
}

/**
 * The central directory of `entries` followed by its end records (zip64 ones when the count, a
 * size or an offset needs them), for a directory starting at `start`.
 */
export function centralDirectory(entries: readonly ZipEntry[], start: number): Buffer {
  const records = entries.map(centralRecord);
  const size = records.reduce((total, record) => total + record.length, 0);
  return Buffer.concat([...records, ...endRecords(entries.length, size, start)]);
}

function centralRecord(entry: ZipEntry): Buffer {
  const wide = [entry.size, entry.compressedSize, entry.offset].map((value) => value >= MAX32);
  const zip64Values = [entry.size, entry.compressedSize, entry.offset].filter((_, i) => wide[i]);
  const zip64 = Buffer.alloc(zip64Values.length > 0 ? 4 + 8 * zip64Values.length : 0);
  if (zip64.length > 0) {
    zip64.writeUInt16LE(0x0001, 0);
    zip64.writeUInt16LE(8 * zip64Values.length, 2);
    zip64Values.forEach((value, index) => {
      zip64.writeBigUInt64LE(BigInt(value), 4 + 8 * index);
    });
  }
  const extra = Buffer.concat([zip64, entry.extra]);
  const record = Buffer.alloc(46);
  record.writeUInt32LE(CENTRAL_SIGNATURE, 0);
  record.writeUInt16LE(entry.versionMadeBy, 4);
  record.writeUInt16LE(
    zip64.length > 0 ? Math.max(entry.versionNeeded, ZIP64_VERSION) : entry.versionNeeded,
    6,
  );
  record.writeUInt16LE(entry.flags, 8);
  record.writeUInt16LE(entry.method, 10);
  record.writeUInt16LE(entry.time, 12);
  record.writeUInt16LE(entry.date, 14);
  record.writeUInt32LE(entry.crc, 16);
  record.writeUInt32LE(Math.min(entry.compressedSize, MAX32), 20);
  record.writeUInt32LE(Math.min(entry.size, MAX32), 24);
  record.writeUInt16LE(entry.nameBytes.length, 28);
  record.writeUInt16LE(extra.length, 30);
  record.writeUInt16LE(entry.comment.length, 32);
  record.writeUInt16LE(entry.internalAttributes, 36);
  record.writeUInt32LE(entry.externalAttributes, 38);
  record.writeUInt32LE(Math.min(entry.offset, MAX32), 42);
  return Buffer.concat([record, entry.nameBytes, extra, entry.comment]);
}

function endRecords(count: number, size: number, start: number): Buffer[] {
  const end = Buffer.alloc(22);
  end.writeUInt32LE(END_SIGNATURE, 0);
  end.writeUInt16LE(Math.min(count, MAX16), 8);
  end.writeUInt16LE(Math.min(count, MAX16), 10);
  end.writeUInt32LE(Math.min(size, MAX32), 12);
  end.writeUInt32LE(Math.min(start, MAX32), 16);
  if (count < MAX16 && size < MAX32 && start < MAX32) return [end];
  const end64 = Buffer.alloc(56);
  end64.writeUInt32LE(END64_SIGNATURE, 0);
  end64.writeBigUInt64LE(44n, 4);
  end64.writeUInt16LE(MADE_BY, 12);
  end64.writeUInt16LE(ZIP64_VERSION, 14);
  end64.writeBigUInt64LE(BigInt(count), 24);
  end64.writeBigUInt64LE(BigInt(count), 32);
  end64.writeBigUInt64LE(BigInt(size), 40);
  end64.writeBigUInt64LE(BigInt(start), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(LOCATOR64_SIGNATURE, 0);
  locator.writeBigUInt64LE(BigInt(start + size), 8);
  locator.writeUInt32LE(1, 16);
  return [end64, locator, end];
}
