import { mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import {
  hostTag,
  isStaleTemporary,
  isTemporaryName,
  replaceFile,
  syncDirectory,
  temporaryName,
  unlinkIfExists,
  writeAtomic,
  writeNewFile,
} from "@kv/atomic-files";
import { temporaryPaths } from "@kv/conformance";
import { describe, expect, it } from "vitest";
import { deadPid, otherHost, temporaryNameOf } from "./fixtures/leftovers.ts";

const freshDirectory = temporaryPaths("kv-atomic-files-");

/** A directory made for one test. */
function madeDirectory(): string {
  const directory = freshDirectory();
  mkdirSync(directory);
  return directory;
}

describe("writeAtomic", () => {
  it("replaces the file with a new one (temporary file, then rename) and leaves nothing else", async () => {
    const directory = madeDirectory();
    const path = join(directory, "a.json");
    await writeAtomic(path, "first");
    const first = statSync(path).ino;
    await writeAtomic(path, new TextEncoder().encode("second"), { fsync: false });
    expect(readFileSync(path, "utf8")).toBe("second");
    expect(statSync(path).ino).not.toBe(first);
    expect(readdirSync(directory)).toEqual(["a.json"]);
  });

  it("creates the file's directory when it is missing", async () => {
    const path = join(freshDirectory(), "nested", "deeper", "a.json");
    await writeAtomic(path, "text");
    expect(readFileSync(path, "utf8")).toBe("text");
  });

  it("never lets a reader see part of a file while it is rewritten", async () => {
    const path = join(madeDirectory(), "big.txt");
    const versions = ["a", "b", "c", "d"].map((letter) => letter.repeat(1 << 20));
    await writeAtomic(path, versions[0] ?? "");
    let writing = true;
    const writes = (async () => {
      for (let round = 0; round < 12; round++) {
        await writeAtomic(path, versions[round % versions.length] ?? "", { fsync: false });
      }
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      expect(versions).toContain(await readFile(path, "utf8"));
      reads++;
    }
    await writes;
    expect(reads).toBeGreaterThan(0);
  });

  it("installs the file through `install`, which may refuse and leave the old file", async () => {
    const directory = madeDirectory();
    const path = join(directory, "a.json");
    await writeAtomic(path, "old");
    const seen: string[] = [];
    await writeAtomic(path, "new", {
      install: async (rename) => {
        seen.push(readFileSync(path, "utf8"));
        await rename();
        seen.push(readFileSync(path, "utf8"));
      },
    });
    expect(seen).toEqual(["old", "new"]);
    const refusal = new Error("not now");
    await expect(
      writeAtomic(path, "newer", { install: () => Promise.reject(refusal) }),
    ).rejects.toBe(refusal);
    expect(readFileSync(path, "utf8")).toBe("new");
    expect(readdirSync(directory)).toEqual(["a.json"]);
  });
});

describe("replaceFile", () => {
  it("gives `write` a temporary path beside the target, named by `temporaryName` when given", async () => {
    const directory = madeDirectory();
    const temporaries: string[] = [];
    await replaceFile(join(directory, "a.bin"), async (temporary) => {
      temporaries.push(temporary);
      writeFileSync(temporary, "default name");
    });
    await replaceFile(
      join(directory, "b.bin"),
      async (temporary) => {
        temporaries.push(temporary);
        writeFileSync(temporary, "own name");
      },
      { temporaryName: () => ".own-temporary" },
    );
    expect(temporaries.map((path) => join(directory, basename(path)))).toEqual(temporaries);
    expect(isTemporaryName(basename(temporaries[0] ?? ""))).toBe(true);
    expect(basename(temporaries[1] ?? "")).toBe(".own-temporary");
    expect(readdirSync(directory).sort()).toEqual(["a.bin", "b.bin"]);
  });

  it("removes the temporary file and keeps the old one when `write` fails", async () => {
    const directory = madeDirectory();
    const path = join(directory, "a.bin");
    writeFileSync(path, "old");
    const failure = new Error("disk full");
    const failing = replaceFile(path, async (temporary) => {
      writeFileSync(temporary, "half");
      throw failure;
    });
    await expect(failing).rejects.toBe(failure);
    expect(readdirSync(directory)).toEqual(["a.bin"]);
    expect(readFileSync(path, "utf8")).toBe("old");
  });
});

describe("writeNewFile", () => {
  it("writes text or bytes into a new file, and never over an existing one", async () => {
    const directory = madeDirectory();
    await writeNewFile(join(directory, "a"), "text", true);
    await writeNewFile(join(directory, "b"), Uint8Array.of(1, 2, 3), false);
    expect(readFileSync(join(directory, "a"), "utf8")).toBe("text");
    expect([...readFileSync(join(directory, "b"))]).toEqual([1, 2, 3]);
    await expect(writeNewFile(join(directory, "a"), "again", false)).rejects.toMatchObject({
      code: "EEXIST",
    });
    expect(readFileSync(join(directory, "a"), "utf8")).toBe("text");
  });
});

describe("temporary names", () => {
  it("names a temporary file .<host>-<pid>-<random>.tmp, a name no encoded name can take", () => {
    const name = temporaryName();
    expect(name).toMatch(new RegExp(`^\\.${hostTag}-${process.pid}-[0-9a-f]{12}\\.tmp$`));
    expect(temporaryName()).not.toBe(name);
    expect(isTemporaryName(name)).toBe(true);
    expect(isTemporaryName("a.tmp")).toBe(false);
  });

  it("counts a temporary file stale once its writer has exited or after an hour", async () => {
    const directory = madeDirectory();
    const dead = temporaryNameOf(deadPid());
    const live = temporaryNameOf(process.pid);
    const old = temporaryNameOf(process.ppid); // a live writer, made stale by its age alone
    const remote = temporaryNameOf(1, otherHost);
    for (const name of [dead, live, old, remote, "notes.txt"]) {
      writeFileSync(join(directory, name), "");
    }
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    utimesSync(join(directory, old), twoHoursAgo, twoHoursAgo);
    const stale = async (name: string) => isStaleTemporary(join(directory, name), name);
    expect(await stale(dead)).toBe(true);
    expect(await stale(live)).toBe(false);
    expect(await stale(old)).toBe(true);
    expect(await stale(remote)).toBe(false);
    expect(await stale("notes.txt")).toBe(false);
  });
});

describe("syncDirectory and unlinkIfExists", () => {
  it("flushes a directory, and does nothing for one that is gone", async () => {
    const directory = madeDirectory();
    await expect(syncDirectory(directory)).resolves.toBeUndefined();
    await expect(syncDirectory(join(directory, "gone"))).resolves.toBeUndefined();
  });

  it("removes a file and says whether there was one", async () => {
    const directory = madeDirectory();
    writeFileSync(join(directory, "a"), "");
    expect(await unlinkIfExists(join(directory, "a"))).toBe(true);
    expect(await unlinkIfExists(join(directory, "a"))).toBe(false);
    expect(await unlinkIfExists(join(directory, "no", "such", "file"))).toBe(false);
  });
});
