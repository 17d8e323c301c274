import { open, readFile, unlink } from "node:fs/promises";
import { readIndex } from "./read-index.ts";

/**
 * Saves what a write is about to overwrite: the archive's central directory and end records (its
 * tail from `start`), so that an archive left broken by a process that died while writing can be
 * put back as it was.
 */
export async function saveJournal(
  path: string,
  start: number,
  tail: Buffer,
  fsync: boolean,
): Promise<void> {
  const header = Buffer.alloc(8);
  header.writeBigUInt64LE(BigInt(start), 0);
  const handle = await open(path, "w");
  try {
    await handle.writeFile(Buffer.concat([header, tail]));
    if (fsync) await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Puts back the archive a dead writer left without a readable central directory, from its
 * journal; an archive that reads fine is left alone. Removes the journal. Returns true when it
 * restored the archive.
 */
export async function recoverFromJournal(
  journalPath: string,
  archivePath: string,
): Promise<boolean> {
  let journal: Buffer;
  try {
    journal = await readFile(journalPath);
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return false;
    throw error;
  }
  const broken = await readIndex(archivePath).then(
    () => false,
    () => true,
  );
  if (broken && journal.length > 8) {
    const start = Number(journal.readBigUInt64LE(0));
    const handle = await open(archivePath, "r+").catch((error: unknown) => {
      if ((error as { code?: unknown }).code === "ENOENT") return undefined;
      throw error;
    });
    if (handle === undefined) {
      await removeJournal(journalPath);
      return false;
    }
    try {
      await handle.truncate(start);
      await handle.write(journal, 8, journal.length - 8, start);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
  await removeJournal(journalPath);
  return broken;
}

/** Removes the journal, if any. */
export async function removeJournal(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}
