import { randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm, rmdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { temporaryName } from "./atomic-file.ts";
import { errorCode, isMissing } from "./file-errors.ts";
import { hostTag, isDeadProcess } from "./host.ts";
import { LockHeldError } from "./lock-held-error.ts";

/** A lock taken longer ago than this is broken, whoever holds it (on any host). */
export const staleLockMs = 10_000;
/** How often a waiting owner renews its name, so that waiting never makes it look stale. */
const renewOwnerMs = 1_000;
const ownerPattern = /^([0-9a-f]{8})-(\d+)-[0-9a-f]{12}-([0-9a-z]+)$/;

/** How `acquireLock` takes a lock another owner holds. */
export interface LockPolicy {
  /** Wait (polling with a growing pause) while another owner holds it; otherwise refuse at once. */
  readonly wait: boolean;
  /** How long to wait before giving up, in milliseconds (`Infinity`: for ever). */
  readonly timeoutMs: number;
}

/** The live owner of a lock. */
export interface LockHolder {
  /** Its process, when it is on this host. */
  readonly pid: number | undefined;
}

/** Waits for as long as the lock is held. */
const waitForEver: LockPolicy = { wait: true, timeoutMs: Number.POSITIVE_INFINITY };

/** A fresh owner name: `<host>-<pid>-<random>-<epoch ms in base 36>`. */
function ownerName(): string {
  return `${hostTag}-${process.pid}-${randomBytes(6).toString("hex")}-${Date.now().toString(36)}`;
}

/** Whether the owner named can no longer hold its lock, and its pid when it is on this host. */
function describeOwner(owner: string): { stale: boolean; pid: number | undefined } {
  const match = ownerPattern.exec(owner);
  if (match === null) return { stale: true, pid: undefined };
  const [, host = "", pidText = "", since = ""] = match;
  const pid = Number(pidText);
  const stale = Date.now() - Number.parseInt(since, 36) > staleLockMs || isDeadProcess(host, pid);
  return { stale, pid: host === hostTag ? pid : undefined };
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
 * Looks at the lock directory at `lockPath` and breaks it when its owner is stale (a process on
 * this host that has exited, or a lock taken over `staleLockMs` ago) or when it is empty (an owner
 * died between the two steps of releasing it). Breaking removes only the stale owner's own
 * directory, which exactly one breaker can do, and then the lock directory only while it is empty,
 * so a lock taken meanwhile is never removed.
 * @returns `undefined` when it is worth trying to take the lock again now, else the live holder
 * @throws the file-system error of a failure other than the lock being gone
 */
export async function breakIfStale(lockPath: string): Promise<LockHolder | undefined> {
  let owners: string[];
  try {
    owners = await readdir(lockPath);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
  const [owner] = owners;
  if (owner !== undefined) {
    const { stale, pid } = describeOwner(owner);
    if (!stale) return { pid };
    try {
      await rmdir(join(lockPath, owner));
    } catch (error) {
      if (errorCode(error) === "ENOENT") return undefined;
      throw error;
    }
  }
  await removeIfEmpty(lockPath);
  return undefined;
}

/**
 * Makes the staging directory holding the owner's directory: two calls (`recursive` makes three),
 * and the lock's parent directories too when they are missing.
 */
async function makeStaging(staging: string, owner: string): Promise<void> {
  try {
    await mkdir(staging);
  } catch (error) {
    const code = errorCode(error);
    if (code === "ENOENT") await mkdir(staging, { recursive: true });
    else if (code !== "EEXIST") throw error;
  }
  try {
    await mkdir(join(staging, owner));
  } catch (error) {
    if (errorCode(error) !== "EEXIST") throw error;
  }
}

function pauseMs(attempt: number): number {
  return 2 ** Math.min(attempt, 5) * (0.5 + Math.random());
}

/**
 * Takes the lock directory at `lockPath` (creating its parent directories when missing): a
 * staging directory holding one directory named after the owner is renamed to `lockPath`, which
 * fails while another owner holds it. Stale locks are broken (see `breakIfStale`); a live one is
 * waited for (jittered pauses of up to ~50 ms) or refused, following `policy`.
 * @returns the owner name, for `releaseLock`
 * @throws LockHeldError when another owner holds the lock and `policy` says not to wait, or it
 *   is still held after `policy.timeoutMs`; the file-system error of any other failure
 */
export async function acquireLock(
  lockPath: string,
  policy: LockPolicy = waitForEver,
): Promise<string> {
  const staging = join(dirname(lockPath), temporaryName());
  const started = Date.now();
  let owner = ownerName();
  let ownerSince = started;
  try {
    await makeStaging(staging, owner);
    for (let attempt = 0; ; attempt++) {
      try {
        await rename(staging, lockPath);
        return owner;
      } catch (error) {
        const code = errorCode(error);
        if (code === "ENOENT") {
          await makeStaging(staging, owner);
          continue;
        }
        if (code !== "EEXIST" && code !== "ENOTEMPTY") throw error;
      }
      const holder = await breakIfStale(lockPath);
      if (holder === undefined) continue;
      const waitedMs = Date.now() - started;
      if (!policy.wait) throw new LockHeldError({ lockPath, pid: holder.pid, waitedMs: 0 });
      if (waitedMs >= policy.timeoutMs) {
        throw new LockHeldError({ lockPath, pid: holder.pid, waitedMs });
      }
      await new Promise((resolve) => setTimeout(resolve, pauseMs(attempt)));
      if (Date.now() - ownerSince > renewOwnerMs) {
        const renewed = ownerName();
        await rename(join(staging, owner), join(staging, renewed));
        owner = renewed;
        ownerSince = Date.now();
      }
    }
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Gives up the lock at `lockPath` taken as `owner`; a lock broken as stale meanwhile is left to
 * its new holder.
 * @throws the file-system error of a failure other than the lock being gone
 */
export async function releaseLock(lockPath: string, owner: string): Promise<void> {
  try {
    await rmdir(join(lockPath, owner));
  } catch (error) {
    if (errorCode(error) === "ENOENT") return;
    throw error;
  }
  await removeIfEmpty(lockPath);
}

/**
 * Runs `action` while holding the lock directory at `lockPath` (see `acquireLock`), and gives the
 * lock up afterwards whether `action` succeeded or not.
 * @throws LockHeldError as `acquireLock` does, or whatever `action` throws
 */
export async function withLock<T>(
  lockPath: string,
  action: () => Promise<T>,
  policy: LockPolicy = waitForEver,
): Promise<T> {
  const owner = await acquireLock(lockPath, policy);
  try {
    return await action();
  } finally {
    await releaseLock(lockPath, owner);
  }
}
