import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { crc32 } from "node:zlib";
import { BlobSourceError } from "@kv/blob";
import { digestOf, generatedChunks, MiB, patternBytes } from "@kv/conformance";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ArchiveLockedError, ZipBlobStore } from "../src/index.ts";
import { centralDirectory, localHeader, localPatches, newEntry } from "../src/zip-format.ts";
import { python, readWithPython } from "./python.ts";

let directory = "";
let path = "";
const stores: ZipBlobStore[] = [];

function store(options: Partial<ConstructorParameters<typeof ZipBlobStore>[0]> = {}): ZipBlobStore {
  const made = new ZipBlobStore({ path, ...options });
  stores.push(made);
  return made;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "kv-blob-zip-"));
  path = join(directory, "blobs.zip");
});
afterEach(async () => {
  for (const made of stores.splice(0)) await made.close();
  await rm(directory, { recursive: true, force: true });
});

describe("ZipBlobStore archives", () => {
  it("writes an archive Python's zipfile reads, every CRC checked, after puts, replacements and deletes", async () => {
    const blobs = store();
    await blobs.put("docs/readme.txt", "hello");
    await blobs.put("docs/big.bin", generatedChunks(3 * MiB, { bytes: 0, sha256: "" }));
    await blobs.put("docs/readme.txt", "hello again");
    await blobs.put("gone", "soon");
    await blobs.delete("gone");
    const read = await readWithPython(path);
    expect(Object.keys(read).sort()).toEqual(["docs/big.bin", "docs/readme.txt"]);
    expect(read["docs/readme.txt"]).toBe("hello again");
  });

  it("stores entries uncompressed with compress: false", async () => {
    await store({ compress: false }).put("plain.txt", "x".repeat(10_000));
    const methods = await python(
      "import sys, zipfile; print([i.compress_type for i in zipfile.ZipFile(sys.argv[1]).infolist()])",
      path,
    );
    expect(methods.trim()).toBe("[0]");
    expect((await stat(path)).size).toBeGreaterThan(10_000);
  });

  it("creates an empty archive on first use", async () => {
    expect(await store().keys()).toEqual([]);
    expect(await readWithPython(path)).toEqual({});
  });

  it("reads and keeps what Python's zipfile wrote: deflated, stored, directories, the last of duplicate names", async () => {
    await python(
      `
import sys, zipfile, warnings
warnings.simplefilter("ignore")
with zipfile.ZipFile(sys.argv[1], "w") as archive:
    archive.writestr("a.txt", "deflated " * 100, compress_type=zipfile.ZIP_DEFLATED)
    archive.writestr("dir/", "")
    archive.writestr("dir/b.txt", "stored", compress_type=zipfile.ZIP_STORED)
    archive.writestr("a.txt", "the newer a", compress_type=zipfile.ZIP_DEFLATED)
`,
      path,
    );
    const blobs = store();
    expect((await blobs.keys()).sort()).toEqual(["a.txt", "dir/b.txt"]);
    expect(Buffer.from(await blobs.get("a.txt")).toString()).toBe("the newer a");
    expect(Buffer.from(await blobs.get("dir/b.txt")).toString()).toBe("stored");
    await blobs.put("c.txt", "added");
    const read = await readWithPython(path);
    expect(read).toEqual({
      "dir/": "",
      "dir/b.txt": "stored",
      "a.txt": "the newer a",
      "c.txt": "added",
    });
  });

  it("leaves the archive byte for byte as it was when a streamed put fails", async () => {
    const blobs = store();
    await blobs.put("kept", patternBytes(100_000));
    const before = await readFile(path);
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield* generatedChunks(2 * MiB, { bytes: 0, sha256: "" });
      throw new Error("client went away");
    }
    const error = await rejection(blobs.put("new", failing()));
    expect(BlobSourceError.isInstance(error)).toBe(true);
    expect((await readFile(path)).equals(before)).toBe(true);
  });

  it("compacts away replaced and deleted entries while a stream goes on reading the old file", async () => {
    const blobs = store({ compress: false });
    const kept = patternBytes(2 * MiB, 1);
    await blobs.put("kept", kept);
    for (let round = 0; round < 3; round++) await blobs.put("replaced", patternBytes(MiB, round));
    await blobs.put("deleted", patternBytes(MiB, 9));
    await blobs.delete("deleted");
    const stream = await blobs.open("kept");
    const sizeBefore = (await stat(path)).size;
    const saved = await blobs.compact();
    expect(saved).toBeGreaterThan(3 * MiB);
    expect((await stat(path)).size).toBe(sizeBefore - saved);
    expect(await digestOf(stream)).toEqual(await digestOf(generatedOnce(kept)));
    expect(Buffer.from(await blobs.get("replaced")).equals(patternBytes(MiB, 2))).toBe(true);
    expect(Object.keys(await readWithPython(path)).sort()).toEqual(["kept", "replaced"]);
  });
});

describe("ZipBlobStore writers", () => {
  it("gives a second store on the archive ArchiveLockedError until the first closes", async () => {
    const first = store();
    await first.put("k", "first");
    const second = new ZipBlobStore({ path });
    const error = await rejection(second.put("k", "second"));
    expect(ArchiveLockedError.isInstance(error)).toBe(true);
    expect((error as ArchiveLockedError).holderPid).toBe(process.pid);
    expect((error as ArchiveLockedError).transient).toBe(true);
    await first.close();
    await second.put("k", "second");
    expect(Buffer.from(await second.get("k")).toString()).toBe("second");
    await second.close();
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it("gives ArchiveLockedError while another process writes the archive", async () => {
    const child = runFixture("hold-lock.ts");
    try {
      await waitFor(child, "ready");
      const error = await rejection(store().get("from-child"));
      expect(ArchiveLockedError.isInstance(error)).toBe(true);
      expect((error as ArchiveLockedError).holderPid).toBe(child.pid);
    } finally {
      child.stdin?.end();
      await once(child, "exit");
    }
    expect(Buffer.from(await store().get("from-child")).toString()).toBe("held");
  });

  it("puts back the archive a process killed in the middle of a put left broken", async () => {
    const child = runFixture("die-while-writing.ts");
    await waitFor(child, "writing");
    child.kill("SIGKILL");
    await once(child, "exit");
    expect(existsSync(`${path}.journal`)).toBe(true);
    await expect(readWithPython(path)).rejects.toThrow();
    const blobs = store();
    expect(await blobs.keys()).toEqual(["a"]);
    expect(Buffer.from(await blobs.get("a")).toString()).toBe("kept");
    expect(existsSync(`${path}.journal`)).toBe(false);
    expect(await readWithPython(path)).toEqual({ a: "kept" });
  });

  it("takes over a lock left by a process that no longer runs", async () => {
    await writeFile(`${path}.lock`, "2147483646\n");
    await store().put("k", "v");
    expect(await readFile(`${path}.lock`, "utf8")).toBe(`${process.pid}\n`);
  });
});

async function* generatedOnce(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

function runFixture(name: string): ChildProcess {
  const script = fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
  return spawn(process.execPath, ["--conditions=@kv/source", "--import", "tsx", script, path], {
    cwd: fileURLToPath(new URL("..", import.meta.url)),
    stdio: ["pipe", "pipe", "inherit"],
  });
}

async function waitFor(child: ChildProcess, line: string): Promise<void> {
  let output = "";
  for await (const chunk of child.stdout ?? []) {
    output += String(chunk);
    if (output.includes(line)) return;
  }
  throw new Error(`The child process ended before saying ${line}`);
}

describe("ZipBlobStore zip64", () => {
  it("reads and extends an archive of more than 65 535 entries (zip64 end records)", {
    timeout: 60_000,
  }, async () => {
    const count = 70_000;
    const parts: Buffer[] = [];
    const entries = [];
    let offset = 0;
    for (let index = 0; index < count; index++) {
      const data = Buffer.from(String(index));
      const entry = {
        ...newEntry(`e${index}`, 0, offset, new Date()),
        crc: crc32(data),
        size: data.length,
        compressedSize: data.length,
      };
      const header = localHeader(entry);
      for (const [at, bytes] of localPatches(entry)) bytes.copy(header, at - offset);
      parts.push(header, data);
      entries.push(entry);
      offset += header.length + data.length;
    }
    parts.push(centralDirectory(entries, offset));
    await writeFile(path, Buffer.concat(parts));
    const blobs = store();
    expect(await blobs.keys({ limit: 100_000 })).toHaveLength(count);
    expect(Buffer.from(await blobs.get("e69999")).toString()).toBe("69999");
    await blobs.put("one-more", "x");
    const counted = await python(
      "import sys, zipfile; a = zipfile.ZipFile(sys.argv[1]); print(len(a.infolist()), a.read('e12345').decode(), a.read('one-more').decode())",
      path,
    );
    expect(counted.trim()).toBe(`${count + 1} 12345 x`);
  });
});
