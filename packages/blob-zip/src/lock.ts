import { open, readFile, unlink } from "node:fs/promises";
import { ArchiveLockedError } from "./errors.ts";

/**
 * Takes the lock file at `path` (created exclusively, holding this process's id). A lock left by
 * a process that no longer runs is taken over.
 * @throws ArchiveLockedError when a running process (this one included) holds it
 */
export async function takeLock(path: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(path, "wx");
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== "EEXIST") throw error;
    }
    const holder = await holderOf(path);
    if (attempt > 0 || holder === undefined || isRunning(holder)) {
      throw new ArchiveLockedError({ lockPath: path, holderPid: holder });
    }
    await unlink(path).catch(() => undefined);
  }
}

/** Removes the lock file. */
export async function releaseLock(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}

async function holderOf(path: string): Promise<number | undefined> {
  const text = await readFile(path, "utf8").catch(() => "");
  const pid = Number.parseInt(text, 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === "EPERM";
  }
}
