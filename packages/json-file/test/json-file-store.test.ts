import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hostTag } from "@kv/atomic-files";
import { hostileNames, temporaryPaths } from "@kv/conformance";
import { JsonFileStore, JsonFileSyntaxError } from "@kv/json-file";
import {
  DeserializationError,
  type KeyValueError,
  ManualClock,
  NotACounterError,
} from "@kv/protocol";
import { describe, expect, it } from "vitest";
import { deadPid, ownerName, temporaryNameOf } from "../../atomic-files/test/fixtures/leftovers.ts";

const freshDirectory = temporaryPaths("kv-json-file-spec-");

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, "utf8"));
}

describe("JsonFileStore layout", () => {
  it("writes one pretty-printed <collection>.json holding py-key-value's entry documents", async () => {
    const directory = freshDirectory();
    const clock = new ManualClock(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    const store = new JsonFileStore({ directory, clock });
    await store.put("theme", { dark: true }, { collection: "settings" });
    await store.put("token", { id: "t1" }, { collection: "settings", ttl: 60 });
    expect(readdirSync(directory)).toEqual(["settings.json"]);
    expect(readFileSync(join(directory, "settings.json"), "utf8")).toBe(
      `{
  "collection": "settings",
  "entries": {
    "theme": {
      "version": 1,
      "value": {
        "dark": true
      },
      "created_at": "2026-01-02T03:04:05.678000+00:00"
    },
    "token": {
      "version": 1,
      "value": {
        "id": "t1"
      },
      "created_at": "2026-01-02T03:04:05.678000+00:00",
      "expires_at": "2026-01-02T03:05:05.678000+00:00"
    }
  }
}
`,
    );
  });

  it("keeps expiry and creation time across a reopen", async () => {
    const directory = freshDirectory();
    const clock = new ManualClock();
    await new JsonFileStore({ directory, clock }).put("k", { n: 1 }, { ttl: 100 });
    clock.advanceSeconds(40);
    const reopened = new JsonFileStore({ directory, clock });
    expect(await reopened.ttl("k")).toEqual([{ n: 1 }, 60]);
    const [entry] = await reopened.readEntries(["k"]);
    expect(entry?.createdAt).toBe(clock.now() - 40_000);
  });

  it("encodes hostile collection names into distinct safe file names inside the directory", async () => {
    const directory = freshDirectory();
    const store = new JsonFileStore({ directory });
    for (const [index, name] of hostileNames.entries()) {
      await store.put("k", { index }, { collection: name });
    }
    const files = readdirSync(directory);
    expect(files).toHaveLength(hostileNames.length);
    expect(new Set(files.map((name) => name.toLowerCase())).size).toBe(files.length);
    for (const name of files) {
      expect(name).toMatch(/^[a-z0-9_%+-]+\.json$/);
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
    }
    expect((await store.collections()).sort()).toEqual([...hostileNames].sort());
    for (const [index, name] of hostileNames.entries()) {
      expect(await store.get("k", { collection: name })).toEqual({ index });
    }
  });

  it("names each file after its collection: a-z 0-9 _ - kept, the rest %xx in lower case", async () => {
    const directory = freshDirectory();
    const store = new JsonFileStore({ directory });
    for (const collection of ["app-config", "App Settings", "a.b", "con", "ünï"]) {
      await store.put("k", { collection }, { collection });
    }
    expect(readdirSync(directory).sort()).toEqual(
      [
        "%41pp%20%53ettings.json",
        "a%2eb.json",
        "app-config.json",
        "co%6e.json",
        "%c3%bcn%c3%af.json",
      ].sort(),
    );
  });

  it("records a collection name too long for a file name inside its file", async () => {
    const directory = freshDirectory();
    const store = new JsonFileStore({ directory });
    const long = "Long collection name ".repeat(20);
    await store.put("k", { n: 1 }, { collection: long });
    const [name = ""] = readdirSync(directory);
    expect(name).toMatch(/^[a-z0-9_%-]+\+[0-9a-f]{64}\.json$/);
    expect(readJson(join(directory, name))).toMatchObject({ collection: long });
    expect(await new JsonFileStore({ directory }).collections()).toEqual([long]);
  });

  it("removes a collection's file when its last entry is deleted", async () => {
    const directory = freshDirectory();
    const store = new JsonFileStore({ directory });
    await store.putMany(
      [
        ["a", { n: 1 }],
        ["b", { n: 2 }],
      ],
      { collection: "c" },
    );
    expect(await store.deleteMany(["a", "b"], { collection: "c" })).toBe(2);
    expect(readdirSync(directory)).toEqual([]);
  });

  it("drops expired entries from a file whenever it rewrites it", async () => {
    const directory = freshDirectory();
    const clock = new ManualClock();
    const store = new JsonFileStore({ directory, clock });
    await store.put("short", { n: 1 }, { ttl: 10 });
    await store.put("long", { n: 2 }, { ttl: 100 });
    clock.advanceSeconds(11);
    await store.put("new", { n: 3 });
    const document = readJson(join(directory, "default_collection.json")) as {
      entries: object;
    };
    expect(Object.keys(document.entries)).toEqual(["long", "new"]);
  });

  it("leaves files that are not collection files alone when destroyed", async () => {
    const directory = freshDirectory();
    const store = new JsonFileStore({ directory });
    await store.put("k", { n: 1 }, { collection: "c" });
    writeFileSync(join(directory, "notes.txt"), "notes");
    writeFileSync(join(directory, "Not A Collection.json"), "{}");
    expect(await store.destroy()).toBe(true);
    expect(readdirSync(directory).sort()).toEqual(["Not A Collection.json", "notes.txt"]);
    expect(await store.destroy()).toBe(false);
  });
});

describe("JsonFileStore and hand edits", () => {
  it("sees a file edited by hand on the next read, and keeps the edit when it writes", async () => {
    const directory = freshDirectory();
    const store = new JsonFileStore({ directory });
    await store.put("theme", { dark: true }, { collection: "settings" });
    expect(await store.get("theme", { collection: "settings" })).toEqual({ dark: true });
    writeFileSync(
      join(directory, "settings.json"),
      '{ "entries": { "theme": { "value": { "dark": false } }, "lang": { "value": { "code": "fr" } } } }',
    );
    expect(await store.get("theme", { collection: "settings" })).toEqual({ dark: false });
    await store.put("font", { size: 14 }, { collection: "settings" });
    expect(await store.getMany(["theme", "lang", "font"], { collection: "settings" })).toEqual([
      { dark: false },
      { code: "fr" },
      { size: 14 },
    ]);
  });

  it("reads an empty file as an empty collection", async () => {
    const directory = freshDirectory();
    mkdirSync(directory);
    writeFileSync(join(directory, "settings.json"), "\n");
    const store = new JsonFileStore({ directory });
    expect(await store.keys({ collection: "settings" })).toEqual([]);
    await store.put("k", { n: 1 }, { collection: "settings" });
    expect(await store.get("k", { collection: "settings" })).toEqual({ n: 1 });
  });

  it("names the file, line and column of a syntax error, and never overwrites the broken file", async () => {
    const directory = freshDirectory();
    const store = new JsonFileStore({ directory });
    await store.put("theme", { dark: true }, { collection: "settings" });
    const path = join(directory, "settings.json");
    const broken = '{\n  "entries": {\n    "theme": { "value": { "dark": tru } }\n  }\n}\n';
    writeFileSync(path, broken);
    for (const call of [
      () => store.get("theme", { collection: "settings" }),
      () => store.put("theme", { dark: false }, { collection: "settings" }),
      () => store.increment("n", { collection: "settings" }),
    ]) {
      const error = await call().catch((caught: unknown) => caught);
      expect(JsonFileSyntaxError.isInstance(error)).toBe(true);
      expect(DeserializationError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ file: path, line: 3, column: 35, collection: "settings" });
      expect((error as Error).message).toContain(`${path}:3:35`);
      expect((error as KeyValueError).transient).toBe(false);
    }
    expect(readFileSync(path, "utf8")).toBe(broken);
  });

  it("removes a broken file on destroyCollection and destroy, and only then", async () => {
    const directory = freshDirectory();
    mkdirSync(directory);
    writeFileSync(join(directory, "a.json"), "{ broken");
    writeFileSync(join(directory, "b.json"), "{ broken");
    const store = new JsonFileStore({ directory });
    await expect(store.cull()).rejects.toSatisfy(JsonFileSyntaxError.isInstance);
    expect(readdirSync(directory).sort()).toEqual(["a.json", "b.json"]);
    expect(await store.destroyCollection("a")).toBe(true);
    expect(readdirSync(directory)).toEqual(["b.json"]);
    expect(await store.destroy()).toBe(true);
    expect(readdirSync(directory)).toEqual([]);
  });

  it("finds the line of a trailing comma and of a missing brace", async () => {
    const directory = freshDirectory();
    mkdirSync(directory);
    const store = new JsonFileStore({ directory });
    const cases = [
      ['{\n  "entries": {\n    "a": { "value": {} },\n  }\n}', 4, 3],
      ['{\n  "entries": {\n    "a": { "value": {} }\n', 4, 1],
    ] as const;
    for (const [text, line, column] of cases) {
      writeFileSync(join(directory, "c.json"), text);
      const error = await store.keys({ collection: "c" }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ line, column });
    }
  });

  it("throws DeserializationError naming the file and key for an entry without a value", async () => {
    const directory = freshDirectory();
    mkdirSync(directory);
    writeFileSync(join(directory, "c.json"), '{ "entries": { "bad": { "val": 1 } } }');
    const store = new JsonFileStore({ directory });
    const error = await store.get("bad", { collection: "c" }).catch((caught: unknown) => caught);
    expect(DeserializationError.isInstance(error)).toBe(true);
    expect(JsonFileSyntaxError.isInstance(error)).toBe(false);
    expect((error as Error).message).toContain(join(directory, "c.json"));
    expect(error).toMatchObject({ key: "bad" });
  });
});

describe("JsonFileStore writes", () => {
  it("loses none of 200 concurrent writes from one process, and leaves no temporary file", async () => {
    const directory = freshDirectory();
    const store = new JsonFileStore({ directory });
    await Promise.all([
      ...Array.from({ length: 100 }, (_, index) => store.put(`k${index}`, { index })),
      ...Array.from({ length: 100 }, () => store.increment("n")),
    ]);
    expect(await store.keys()).toHaveLength(101);
    expect(await store.get("n")).toEqual({ count: 100 });
    expect(readdirSync(directory)).toEqual(["default_collection.json"]);
  });

  it("loses no write between two instances in one process", async () => {
    const directory = freshDirectory();
    const one = new JsonFileStore({ directory });
    const two = new JsonFileStore({ directory });
    await Promise.all(
      Array.from({ length: 60 }, (_, index) =>
        (index % 2 === 0 ? one : two).put(`k${index}`, { index }),
      ),
    );
    expect(await one.keys()).toHaveLength(60);
    expect(await two.get("k59")).toEqual({ index: 59 });
  });

  it("fails only the call that throws in a batch written together", async () => {
    const directory = freshDirectory();
    const store = new JsonFileStore({ directory });
    await store.put("text", { name: "x" });
    const results = await Promise.allSettled([
      store.put("a", { n: 1 }),
      store.increment("text"),
      store.put("b", { n: 2 }),
    ]);
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(NotACounterError.isInstance((results[1] as PromiseRejectedResult).reason)).toBe(true);
    expect(await store.getMany(["a", "text", "b"])).toEqual([{ n: 1 }, { name: "x" }, { n: 2 }]);
  });

  it("makes its directory again when it was removed after the store opened", async () => {
    const directory = freshDirectory();
    const store = new JsonFileStore({ directory });
    await store.put("k", { n: 1 });
    rmSync(directory, { recursive: true });
    expect(await store.get("k")).toBeUndefined();
    await store.put("k", { n: 2 });
    expect(await store.get("k")).toEqual({ n: 2 });
  });

  it("replaces the file with a new one on every write (temporary file and rename)", async () => {
    const directory = freshDirectory();
    const store = new JsonFileStore({ directory });
    await store.put("k", { n: 1 });
    const first = statSync(join(directory, "default_collection.json")).ino;
    await store.put("k", { n: 2 });
    expect(statSync(join(directory, "default_collection.json")).ino).not.toBe(first);
  });

  it("removes temporary files and locks of dead writers on cull and keeps those of live ones", async () => {
    const directory = freshDirectory();
    const store = new JsonFileStore({ directory });
    await store.put("k", { n: 1 });
    const writer = deadPid();
    const dead = temporaryNameOf(writer);
    const live = temporaryNameOf(process.pid);
    writeFileSync(join(directory, dead), "{");
    writeFileSync(join(directory, live), "{");
    const owner = ownerName(hostTag, writer, Date.now());
    mkdirSync(join(directory, "default_collection.json.lock", owner), { recursive: true });
    await store.cull();
    expect(readdirSync(directory).sort()).toEqual([live, "default_collection.json"].sort());
  });
});

describe("JsonFileStore errors", () => {
  it("refuses construction without a directory, or with a bad lock or lockTimeoutMs", () => {
    expect(() => new JsonFileStore({ directory: "" })).toThrow(TypeError);
    expect(
      () => new JsonFileStore({ directory: freshDirectory(), lock: "yes" as unknown as boolean }),
    ).toThrow(TypeError);
    expect(() => new JsonFileStore({ directory: freshDirectory(), lockTimeoutMs: -1 })).toThrow(
      RangeError,
    );
  });
});
