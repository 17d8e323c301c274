import { randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm, rmdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { errorCode, hostTag, isDeadProcess, temporaryName } from "./atomic-file.ts";
import { entrySuffix, isEncodedName } from "./file-names.ts";

/** A lock held longer than this is broken, even when its owner seems alive or is on another host. */
export const staleLockMs = 10_000;
/** How often a waiting owner name is renewed, so that waiting never makes it look stale. */
const renewOwnerMs = 1_000;
const lockSuffix = ".lock";
const ownerPattern = /^([0-9a-f]{8})-(\d+)-[0-9a-f]{12}-([0-9a-z]+)$/;

/** The lock directory of the entry file at `entryPath`: `<key>.lock` beside `<key>.json`. */
function lockPathOf(entryPath: string): string {
  return entryPath.slice(0, -entrySuffix.length) + lockSuffix;
}

/** True for the name of an entry's lock directory. */
export function isLockName(name: string): boolean {
  return name.endsWith(lockSuffix) && isEncodedName(name.slice(0, -lockSuffix.length));
}

/** A fresh owner name: `<host>-<pid>-<random>-<epoch ms in base 36>`. */
function ownerName(): string {
  return `${hostTag}-${process.pid}-${randomBytes(6).toString("hex")}-${Date.now().toString(36)}`;
}

function ownerSince(owner: string): number {
  return Number.parseInt(owner.slice(owner.lastIndexOf("-") + 1), 36);
}

/**
 * True when the owner named can no longer hold its lock: its process (on this host) has exited,
 * or it took the lock more than `staleLockMs` ago. A name no owner would have counts as stale.
 */
function isStaleOwner(owner: string, now: number = Date.now()): boolean {
  const match = ownerPattern.exec(owner);
  if (match === null) return true;
  const [, host = "", pid] = match;
  return now - ownerSince(owner) > staleLockMs || isDeadProcess(host, Number(pid));
}

async function removeIfEmpty(directory: string): Promise<void> {
  try {
    await rmdir(directory);
  } catch (error) {
    const code = errorCode(error);
    if (code !== "ENOENT" && code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
  }
}

/**
 * Removes a lock directory whose owner is stale, or that is empty (its owner died between the
 * two steps of releasing it). Only the one caller whose `rmdir` of the owner's directory succeeds
 * goes on to remove the lock directory, and `rmdir` never removes a directory with an owner in it,
 * so a fresh lock taken meanwhile is never removed.
 * @returns `false` while a live owner holds the lock, `true` when it is worth trying again now
 */
export async function breakIfStale(lockPath: string): Promise<boolean> {
  let owners: string[];
  try {
    owners = await readdir(lockPath);
  } catch (error) {
    const code = errorCode(error);
    if (code === "ENOENT" || code === "ENOTDIR") return true;
    throw error;
  }
  const [owner] = owners;
  if (owner !== undefined) {
    if (!isStaleOwner(owner)) return false;
    try {
      await rmdir(join(lockPath, owner));
    } catch (error) {
      if (errorCode(error) === "ENOENT") return true;
      throw error;
    }
  }
  await removeIfEmpty(lockPath);
  return true;
}

function backoffMs(attempt: number): number {
  return 2 ** Math.min(attempt, 5) * (0.5 + Math.random());
}

/**
 * Takes the lock at `lockPath`: a staging directory holding one directory named after the owner
 * is renamed to `lockPath`, which fails while another owner's lock is there. Stale locks are
 * broken; live ones are waited for with a growing, jittered pause (up to ~50 ms).
 * @returns the owner name, for `release`
 */
async function acquire(lockPath: string): Promise<string> {
  const staging = join(dirname(lockPath), temporaryName());
  let owner = ownerName();
  try {
    await mkdir(join(staging, owner), { recursive: true });
    for (let attempt = 0; ; attempt++) {
      try {
        await rename(staging, lockPath);
        return owner;
      } catch (error) {
        const code = errorCode(error);
        if (code === "ENOENT") {
          await mkdir(join(staging, owner), { recursive: true });
          continue;
        }
        if (code !== "EEXIST" && code !== "ENOTEMPTY") throw error;
      }
      if (await breakIfStale(lockPath)) continue;
      await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt)));
      if (Date.now() - ownerSince(owner) > renewOwnerMs) {
        const renewed = ownerName();
        await rename(join(staging, owner), join(staging, renewed));
        owner = renewed;
      }
    }
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/** Gives the lock up; a lock broken as stale meanwhile is left to whoever holds it now. */
async function release(lockPath: string, owner: string): Promise<void> {
  try {
    await rmdir(join(lockPath, owner));
  } catch (error) {
    if (errorCode(error) === "ENOENT") return;
    throw error;
  }
  await removeIfEmpty(lockPath);
}

/**
 * The per-entry locks of one store instance. Its own callers of one entry queue in memory; the
 * head of each queue holds the entry's lock directory, which excludes every other instance and
 * process, and which another caller breaks once its owner has died or has held it too long.
 */
export class EntryLocks {
  private readonly queues = new Map<string, Promise<void>>();

  /** Runs `action` while holding the lock of the entry file at `entryPath`. */
  run<T>(entryPath: string, action: () => Promise<T>): Promise<T> {
    const lockPath = lockPathOf(entryPath);
    const previous = this.queues.get(lockPath) ?? Promise.resolve();
    const result = previous.then(async () => {
      const owner = await acquire(lockPath);
      try {
        return await action();
      } finally {
        await release(lockPath, owner);
      }
    });
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(lockPath, tail);
    void tail.then(() => {
      if (this.queues.get(lockPath) === tail) this.queues.delete(lockPath);
    });
    return result;
  }
}
