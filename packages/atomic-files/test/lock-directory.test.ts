import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  acquireLock,
  breakIfStale,
  hostTag,
  LockHeldError,
  releaseLock,
  staleLockMs,
  withLock,
} from "@kv/atomic-files";
import { sleep, temporaryPaths } from "@kv/conformance";
import { describe, expect, it } from "vitest";
import { startFixture } from "../../disk/test/fixtures/child-process.ts";
import { addOne } from "./fixtures/counter.ts";
import { deadPid, otherHost, ownerName } from "./fixtures/leftovers.ts";

const freshDirectory = temporaryPaths("kv-atomic-files-locks-");
const worker = new URL("./fixtures/lock-worker.ts", import.meta.url);

/** A lock path in a directory made for one test. */
function freshLock(): { directory: string; lockPath: string } {
  const directory = freshDirectory();
  mkdirSync(directory);
  return { directory, lockPath: join(directory, "a.lock") };
}

/** Makes the lock directory at `lockPath` by hand, held by the owner named. */
function placeLock(lockPath: string, owner: string): void {
  mkdirSync(join(lockPath, owner), { recursive: true });
}

describe("acquireLock and releaseLock", () => {
  it("takes the lock as a directory holding its owner's name, and leaves nothing on release", async () => {
    const { directory, lockPath } = freshLock();
    const owner = await acquireLock(lockPath);
    expect(owner).toMatch(new RegExp(`^${hostTag}-${process.pid}-[0-9a-f]{12}-[0-9a-z]+$`));
    expect(readdirSync(directory)).toEqual(["a.lock"]);
    expect(readdirSync(lockPath)).toEqual([owner]);
    await releaseLock(lockPath, owner);
    expect(readdirSync(directory)).toEqual([]);
  });

  it("creates the lock's parent directories when they are missing", async () => {
    const lockPath = join(freshDirectory(), "nested", "a.lock");
    await releaseLock(lockPath, await acquireLock(lockPath));
    expect(readdirSync(join(lockPath, ".."))).toEqual([]);
  });

  it("refuses at once with LockHeldError naming the holder when told not to wait", async () => {
    const { directory, lockPath } = freshLock();
    const owner = await acquireLock(lockPath);
    const error = await acquireLock(lockPath, { wait: false, timeoutMs: 0 }).catch(
      (caught: unknown) => caught,
    );
    expect(LockHeldError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ lockPath, pid: process.pid, waitedMs: 0, transient: true });
    expect(readdirSync(lockPath)).toEqual([owner]);
    expect(readdirSync(directory)).toEqual(["a.lock"]);
  });

  it("gives up with LockHeldError once the holder has kept it for timeoutMs", async () => {
    const { lockPath } = freshLock();
    await acquireLock(lockPath);
    const error = await acquireLock(lockPath, { wait: true, timeoutMs: 200 }).catch(
      (caught: unknown) => caught,
    );
    expect(LockHeldError.isInstance(error)).toBe(true);
    expect((error as LockHeldError).waitedMs).toBeGreaterThanOrEqual(200);
  });

  it("waits for a live holder and takes the lock once it is released", async () => {
    const { lockPath } = freshLock();
    const first = await acquireLock(lockPath);
    let taken = false;
    const second = acquireLock(lockPath).then((owner) => {
      taken = true;
      return owner;
    });
    await sleep(200);
    expect(taken).toBe(false);
    await releaseLock(lockPath, first);
    const owner = await second;
    expect(readdirSync(lockPath)).toEqual([owner]);
  });

  it("breaks a lock whose owner's process has exited", async () => {
    const { lockPath } = freshLock();
    placeLock(lockPath, ownerName(hostTag, deadPid(), Date.now()));
    const owner = await acquireLock(lockPath, { wait: false, timeoutMs: 0 });
    expect(readdirSync(lockPath)).toEqual([owner]);
  });

  it("breaks a lock taken longer than staleLockMs ago, whoever holds it", async () => {
    const { lockPath } = freshLock();
    placeLock(lockPath, ownerName(otherHost, process.pid, Date.now() - staleLockMs - 1));
    const owner = await acquireLock(lockPath, { wait: false, timeoutMs: 0 });
    expect(readdirSync(lockPath)).toEqual([owner]);
  });

  it("takes over a lock left empty, or holding a name no owner would have", async () => {
    for (const leftover of [undefined, "not-an-owner"]) {
      const { lockPath } = freshLock();
      mkdirSync(leftover === undefined ? lockPath : join(lockPath, leftover), { recursive: true });
      const owner = await acquireLock(lockPath, { wait: false, timeoutMs: 0 });
      expect(readdirSync(lockPath)).toEqual([owner]);
    }
  });

  it("leaves the lock to its new holder when releasing a lock that was broken meanwhile", async () => {
    const { lockPath } = freshLock();
    const broken = ownerName(otherHost, 1, Date.now() - staleLockMs - 1);
    placeLock(lockPath, broken);
    const holder = await acquireLock(lockPath, { wait: false, timeoutMs: 0 });
    await releaseLock(lockPath, broken);
    expect(readdirSync(lockPath)).toEqual([holder]);
  });
});

describe("breakIfStale", () => {
  it("names a live holder and leaves its lock alone", async () => {
    const { lockPath } = freshLock();
    const local = ownerName(hostTag, process.pid, Date.now());
    placeLock(lockPath, local);
    expect(await breakIfStale(lockPath)).toEqual({ pid: process.pid });
    const { lockPath: remoteLock } = freshLock();
    placeLock(remoteLock, ownerName(otherHost, 1, Date.now()));
    expect(await breakIfStale(remoteLock)).toEqual({ pid: undefined });
    expect(readdirSync(lockPath)).toEqual([local]);
  });

  it("removes a stale lock, and says a missing one is free", async () => {
    const { directory, lockPath } = freshLock();
    placeLock(lockPath, ownerName(hostTag, deadPid(), Date.now()));
    expect(await breakIfStale(lockPath)).toBeUndefined();
    expect(readdirSync(directory)).toEqual([]);
    expect(await breakIfStale(lockPath)).toBeUndefined();
  });
});

describe("withLock", () => {
  it("runs the action under the lock and releases it whether the action succeeds or throws", async () => {
    const { directory, lockPath } = freshLock();
    const held = await withLock(lockPath, async () => readdirSync(lockPath).length);
    expect(held).toBe(1);
    const failure = new Error("failed");
    await expect(withLock(lockPath, () => Promise.reject(failure))).rejects.toBe(failure);
    expect(readdirSync(directory)).toEqual([]);
  });

  it("lets one caller at a time in among many in one process", async () => {
    const { directory, lockPath } = freshLock();
    const file = join(directory, "count");
    await Promise.all(Array.from({ length: 40 }, () => addOne(lockPath, file)));
    expect(readFileSync(file, "utf8")).toBe("40");
  });
});

describe("lock directories between two processes", () => {
  it("loses no update when two processes add to one file under the lock", async () => {
    const { directory, lockPath } = freshLock();
    const file = join(directory, "count");
    const child = startFixture(worker, [lockPath, "count", file, "60"]);
    try {
      await child.waitFor("ready");
      const startAt = Date.now() + 300;
      child.send(`go ${startAt}`);
      await sleep(startAt - Date.now());
      await Promise.all(Array.from({ length: 60 }, () => addOne(lockPath, file)));
      await child.waitFor("done");
    } finally {
      await child.kill();
    }
    expect(readFileSync(file, "utf8")).toBe("120");
    expect(existsSync(lockPath)).toBe(false);
  });

  it("breaks the lock of a process killed with SIGKILL while it held it", async () => {
    const { lockPath } = freshLock();
    const holder = startFixture(worker, [lockPath, "hold"]);
    try {
      await holder.waitFor("locked");
      const pending = acquireLock(lockPath);
      const early = await Promise.race([
        pending.then(() => "taken"),
        sleep(400).then(() => "held"),
      ]);
      expect(early).toBe("held");
      await holder.kill();
      const killedAt = Date.now();
      const owner = await pending;
      expect(Date.now() - killedAt).toBeLessThan(staleLockMs / 2);
      expect(readdirSync(lockPath)).toEqual([owner]);
    } finally {
      await holder.kill();
    }
  });
});
