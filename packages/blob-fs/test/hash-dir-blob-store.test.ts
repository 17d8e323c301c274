import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HashDirBlobStore } from "../src/index.ts";

let root = "";

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "kv-blob-hashdir-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("HashDirBlobStore", () => {
  it("needs a directory, and says which store does", () => {
    expect(() => new HashDirBlobStore({} as { directory: string })).toThrow(
      new TypeError("HashDirBlobStore needs a `directory`"),
    );
  });

  it("stores a blob at its key's SHA-256 split into 3 levels of 2 digits, with its key beside it", async () => {
    const store = new HashDirBlobStore({ directory: root });
    await store.put("photos/cat.png", "meow");
    const hash = sha256("photos/cat.png");
    const path = join(root, hash.slice(0, 2), hash.slice(2, 4), hash.slice(4, 6), hash.slice(6));
    expect(await readFile(path, "utf8")).toBe("meow");
    expect(await readFile(`${path}.key`, "utf8")).toBe("photos/cat.png");
    await store.close();
  });

  it("takes the width and depth of the layout as options", async () => {
    const store = new HashDirBlobStore({ directory: root, width: 3, depth: 1 });
    await store.put("k", "v");
    const hash = sha256("k");
    expect(await readFile(join(root, hash.slice(0, 3), hash.slice(3)), "utf8")).toBe("v");
    expect(() => new HashDirBlobStore({ directory: root, width: 8, depth: 8 })).toThrow(RangeError);
    await store.close();
  });

  it("reads a blob written in the layout without a key file, which it cannot list", async () => {
    const hash = sha256("written-elsewhere");
    const directory = join(root, hash.slice(0, 2), hash.slice(2, 4), hash.slice(4, 6));
    await mkdir(directory, { recursive: true });
    await writeFile(join(directory, hash.slice(6)), "from another program");
    const store = new HashDirBlobStore({ directory: root });
    expect(Buffer.from(await store.get("written-elsewhere")).toString()).toBe(
      "from another program",
    );
    expect(await store.keys()).toEqual([]);
    await store.close();
  });

  it("removes the key file and empty directories with the blob", async () => {
    const store = new HashDirBlobStore({ directory: root });
    await store.put("k", "v");
    await store.delete("k");
    expect(await import("node:fs/promises").then((fs) => fs.readdir(root))).toEqual([]);
    await store.close();
  });
});
