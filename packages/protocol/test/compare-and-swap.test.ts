import {
  compareAndSwap,
  counterValue,
  countOf,
  incrementBySwap,
  insertBySwap,
  type ManagedEntry,
  ManualClock,
  NotACounterError,
  type SwapDecision,
  type SwapTarget,
  UpdateConflictError,
} from "@kv/protocol";
import { describe, expect, it } from "vitest";

interface Stored {
  entry: ManagedEntry;
  version: number;
}

/** One entry with a version, whose conditional write can be made to lose to other writers first. */
class VersionedCell implements SwapTarget<Stored, ManagedEntry> {
  readonly collection = "c";
  readonly key = "k";
  readonly clock = new ManualClock(1_000_000);
  stored: Stored | undefined;
  /** How many of the next writes another writer gets in before (each adds 10 to the count). */
  interlopers = 0;
  /** Whether a lost write answers with the entry as it is now. */
  answersWithCurrent = false;
  readonly log: string[] = [];
  /** The `live` argument of each write. */
  readonly livePassed: (Stored | undefined)[] = [];

  constructor(count?: number, expiresAt?: number) {
    if (count !== undefined) this.stored = { entry: counter(count, expiresAt), version: 1 };
  }

  async read(): Promise<Stored | undefined> {
    this.log.push("read");
    return this.stored;
  }

  async write(entry: ManagedEntry, stored: Stored | undefined, live: Stored | undefined) {
    this.log.push(`write ${countOf(entry.value)}`);
    this.livePassed.push(live);
    if (this.interlopers > 0) {
      this.interlopers--;
      this.stored = { entry: counter(this.count + 10), version: this.version + 1 };
    }
    if (this.stored?.version !== stored?.version) {
      return this.answersWithCurrent ? { current: this.stored } : false;
    }
    this.stored = { entry, version: this.version + 1 };
    return true;
  }

  get count(): number {
    return this.stored === undefined ? 0 : (countOf(this.stored.entry.value) ?? 0);
  }

  private get version(): number {
    return this.stored?.version ?? 0;
  }
}

function counter(count: number, expiresAt?: number): ManagedEntry {
  return { value: counterValue(count), createdAt: 0, expiresAt };
}

/** Adds one to the live count (a missing or expired one counts as 0). */
function addOne(live: Stored | undefined): SwapDecision<ManagedEntry, number> {
  const next = (live === undefined ? 0 : (countOf(live.entry.value) ?? 0)) + 1;
  return { write: counter(next), result: next };
}

const fast = { maxBackoffMs: 0 };

describe("compareAndSwap", () => {
  it("reads, decides and writes once when nobody writes in between", async () => {
    const cell = new VersionedCell(4);
    const read = cell.stored;
    expect(await compareAndSwap(cell, "increment", addOne, fast)).toBe(5);
    expect(cell.log).toEqual(["read", "write 5"]);
    expect(cell.livePassed).toEqual([read]);
    expect(cell.stored?.version).toBe(2);
  });

  it("passes an expired entry to decide as absent, and writes over it conditionally", async () => {
    const cell = new VersionedCell(4, 999_999);
    expect(await compareAndSwap(cell, "increment", addOne, fast)).toBe(1);
    expect(cell.stored?.version).toBe(2);
    expect(cell.livePassed).toEqual([undefined]);
  });

  it("returns the decided result without writing when the decision has no write", async () => {
    const cell = new VersionedCell();
    const decide = (live: Stored | undefined) => ({ result: live === undefined });
    expect(await compareAndSwap(cell, "touch", decide, fast)).toBe(true);
    expect(cell.log).toEqual(["read"]);
  });

  it("decides again on a fresh read after losing to another writer", async () => {
    const cell = new VersionedCell(0);
    cell.interlopers = 2;
    expect(await compareAndSwap(cell, "increment", addOne, fast)).toBe(21);
    expect(cell.log).toEqual(["read", "write 1", "read", "write 11", "read", "write 21"]);
  });

  it("decides on the entry a lost write answered with, without reading it", async () => {
    const cell = new VersionedCell(0);
    cell.interlopers = 1;
    cell.answersWithCurrent = true;
    expect(await compareAndSwap(cell, "increment", addOne, fast)).toBe(11);
    expect(cell.log).toEqual(["read", "write 1", "write 11"]);
  });

  it("with assumeAbsent, writes first and reads only when an entry was there", async () => {
    const absent = new VersionedCell();
    expect(await compareAndSwap(absent, "increment", addOne, { assumeAbsent: true })).toBe(1);
    expect(absent.log).toEqual(["write 1"]);

    const present = new VersionedCell(7);
    expect(await compareAndSwap(present, "increment", addOne, { assumeAbsent: true })).toBe(8);
    expect(present.log).toEqual(["write 1", "read", "write 8"]);
  });

  it("gives up after `attempts` lost rounds with a transient UpdateConflictError", async () => {
    const cell = new VersionedCell(0);
    cell.interlopers = 100;
    const error = await compareAndSwap(cell, "increment", addOne, { ...fast, attempts: 3 }).catch(
      (caught: unknown) => caught,
    );
    expect(UpdateConflictError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      attempts: 3,
      operation: "increment",
      collection: "c",
      key: "k",
      transient: true,
    });
    expect(cell.log.filter((step) => step.startsWith("write"))).toHaveLength(3);
  });

  it("gives up when the next pause would end after the deadline, naming the rounds made", async () => {
    const cell = new VersionedCell(0);
    cell.interlopers = 100;
    const options = { attempts: Number.POSITIVE_INFINITY, deadline: Date.now() - 1 };
    await expect(compareAndSwap(cell, "increment", addOne, options)).rejects.toMatchObject({
      name: "UpdateConflictError",
      attempts: 1,
    });
  });

  it("passes on what decide throws", async () => {
    const failure = new Error("not a counter");
    const decide = () => {
      throw failure;
    };
    await expect(compareAndSwap(new VersionedCell(1), "increment", decide)).rejects.toBe(failure);
  });
});

describe("insertBySwap", () => {
  it("creates a missing entry without reading it", async () => {
    const cell = new VersionedCell();
    expect(await insertBySwap(cell, counter(1))).toBe(true);
    expect(cell.log).toEqual(["write 1"]);
  });

  it("leaves a live entry alone, and replaces an expired one", async () => {
    const live = new VersionedCell(5);
    expect(await insertBySwap(live, counter(1))).toBe(false);
    expect(live.log).toEqual(["write 1", "read"]);
    expect(live.count).toBe(5);

    const expired = new VersionedCell(5, 999_999);
    expect(await insertBySwap(expired, counter(1))).toBe(true);
    expect(expired.log).toEqual(["write 1", "read", "write 1"]);
    expect(expired.count).toBe(1);
  });
});

describe("incrementBySwap", () => {
  const change = (by: number) => ({ by, now: 0, expiresAt: undefined, refresh: false });

  it("applies the increments in order to the live counter and writes the sum once", async () => {
    const cell = new VersionedCell(5);
    expect(await incrementBySwap(cell, [change(1), change(2)])).toEqual([
      { count: 6 },
      { count: 8 },
    ]);
    expect(cell.log).toEqual(["read", "write 8"]);
  });

  it("writes nothing when every increment fails, and gives each its error", async () => {
    const cell = new VersionedCell();
    cell.stored = { entry: { value: { n: 1 }, createdAt: 0, expiresAt: undefined }, version: 1 };
    const [outcome] = await incrementBySwap(cell, [change(1)]);
    expect(outcome !== undefined && "error" in outcome && outcome.error).toBeInstanceOf(
      NotACounterError,
    );
    expect(outcome).toMatchObject({ error: { operation: "increment", collection: "c", key: "k" } });
    expect(cell.log).toEqual(["read"]);
  });
});
