import {
  DeleteBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { freeLoopbackPort, pythonTimestamp } from "@kv/conformance";
import {
  InvalidKeyError,
  StoreConfigurationError,
  StoreConnectionError,
  StoreError,
} from "@kv/protocol";
import { afterAll, describe, expect, it } from "vitest";
import { S3Store } from "../src/index.ts";
import { connection, testClient, useBucket } from "./helpers.ts";
import { errorWhileAnswering, ignoringConditions } from "./servers.ts";

const bucket = useBucket("store");
const raw = testClient();
afterAll(() => raw.destroy());

async function objectText(key: string): Promise<string | undefined> {
  try {
    const { Body } = await raw.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await Body?.transformToString();
  } catch {
    return undefined;
  }
}

describe("S3Store's object layout (py-key-value's S3Store)", () => {
  it("stores an entry as the object <collection>/<key>: its JSON document, metadata with the timestamps", async () => {
    await using store = new S3Store({ bucket, ...connection });
    await store.put("u1", { name: "Ada" }, { collection: "layout-users", ttl: 3600 });
    const head = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: "layout-users/u1" }));
    expect(head.ContentType).toBe("application/json");
    const document = JSON.parse((await objectText("layout-users/u1")) ?? "{}");
    expect(document).toMatchObject({ version: 1, value: { name: "Ada" }, key: "u1" });
    expect(head.Metadata?.["expires-at"]).toBe(document.expires_at);
    expect(head.Metadata?.["created-at"]).toBe(document.created_at);
    expect(document.expires_at).toMatch(pythonTimestamp);
  });

  it("reads documents as py-key-value writes them, and honours their expiry", async () => {
    const write = (Key: string, Body: string) =>
      raw.send(
        new PutObjectCommand({ Bucket: bucket, Key, Body, ContentType: "application/json" }),
      );
    await write(
      "py-written/live",
      '{"version": 1, "value": {"from": "python"}, "created_at": "2026-01-01T00:00:00.000000+00:00"}',
    );
    await write(
      "py-written/gone",
      '{"version": 1, "value": {"n": 1}, "expires_at": "2020-01-01T00:00:00+00:00"}',
    );
    await using store = new S3Store({ bucket, ...connection });
    expect(await store.get("live", { collection: "py-written" })).toEqual({ from: "python" });
    expect(await store.get("gone", { collection: "py-written" })).toBeUndefined();
  });

  it("keeps '/' inside keys, escapes it in collection names, and escapes '%', '\\' and control characters", async () => {
    await using store = new S3Store({ bucket, ...connection });
    const cases: [collection: string, key: string, objectKey: string][] = [
      ["esc-a/b", "c", "esc-a%2Fb/c"],
      ["esc-a", "b/c", "esc-a/b/c"],
      ["esc-p", "100%", "esc-p/100%25"],
      ["esc-p", "a\\b", "esc-p/a%5Cb"],
      ["esc-p", "nul\u0000", "esc-p/nul%00"],
      ["esc-p", "../up", "esc-p/..%2Fup"],
      ["esc-p", "..", "esc-p/%2E%2E"],
      ["esc-p", "dir/", "esc-p/dir%2F"],
      ["esc-p", "日本語", "esc-p/日本語"],
    ];
    for (const [collection, key] of cases) await store.put(key, { key }, { collection });
    for (const [, key, objectKey] of cases) {
      expect(JSON.parse((await objectText(objectKey)) ?? "{}").key).toBe(key);
    }
    expect((await store.keys({ collection: "esc-p" })).sort()).toEqual(
      ["100%", "a\\b", "nul\u0000", "../up", "..", "dir/", "日本語"].sort(),
    );
  });

  it("stores names beyond 255-byte parts or 1 024-byte object keys under a hash, and lists them as written", async () => {
    await using store = new S3Store({ bucket, ...connection });
    const collection = `long-${"c".repeat(300)}`;
    const keys = ["k".repeat(1000), `${"p".repeat(999)}z`, "🙂".repeat(300), "short"];
    for (const key of keys) await store.put(key, { key }, { collection });
    expect((await store.keys({ collection })).sort()).toEqual([...keys].sort());
    expect(await store.collections()).toContain(collection);
    expect(await store.getMany(keys, { collection })).toEqual(keys.map((key) => ({ key })));
  });

  it("lists collections that hold entries, not those emptied by destroyCollection", async () => {
    await using store = new S3Store({ bucket, prefix: "listing/", ...connection });
    await store.put("k", { n: 1 }, { collection: "kept" });
    await store.put("k", { n: 2 }, { collection: "dropped" });
    expect(await store.destroyCollection("dropped")).toBe(true);
    expect(await store.collections()).toEqual(["kept"]);
  });

  it("puts every object under the prefix when one is given", async () => {
    await using store = new S3Store({ bucket, prefix: "app/kv/", ...connection });
    await store.put("k", { n: 1 }, { collection: "c" });
    expect(JSON.parse((await objectText("app/kv/c/k")) ?? "{}").value).toEqual({ n: 1 });
  });
});

describe("S3Store's conditional writes", () => {
  it("checks that the server honours If-None-Match and If-Match, leaving no object behind", async () => {
    await using store = new S3Store({ bucket, prefix: "probe/", ...connection });
    expect(await store.putIfAbsent("k", { n: 1 }, { collection: "c" })).toBe(true);
    expect(await store.putIfAbsent("k", { n: 2 }, { collection: "c" })).toBe(false);
    const versioned = await store.getVersioned("k", { collection: "c" });
    expect(await store.deleteIfVersion("k", versioned?.version ?? "", { collection: "c" })).toBe(
      true,
    );
    const { Contents = [] } = await raw.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: "probe/" }),
    );
    expect(Contents).toEqual([]);
  });

  it("refuses conditional writes with StoreConfigurationError on a server that ignores them", async () => {
    const proxy = await ignoringConditions(connection.endpoint);
    try {
      await using store = new S3Store({ bucket, ...connection, endpoint: proxy.url });
      const error = await store
        .putIfAbsent("k", { n: 1 }, { collection: "ignored" })
        .catch((e) => e);
      expect(StoreConfigurationError.isInstance(error)).toBe(true);
      expect(await store.get("k", { collection: "ignored" })).toBeUndefined();
    } finally {
      await proxy.close();
    }
  });
});

describe("S3Store's errors", () => {
  it("reports an unreachable server as StoreConnectionError with the driver's error as cause", async () => {
    const endpoint = `http://127.0.0.1:${await freeLoopbackPort()}`;
    await using store = new S3Store({
      bucket,
      ...connection,
      endpoint,
      clientConfig: { maxAttempts: 1 },
    });
    const error = await store.get("k").catch((e) => e);
    expect(StoreConnectionError.isInstance(error)).toBe(true);
    expect(error.transient).toBe(true);
    expect(error.cause).toBeInstanceOf(Error);
  });

  it.each([
    [503, "SlowDown"],
    [500, "InternalError"],
  ])("reports %i %s as a transient StoreConnectionError", async (status, code) => {
    const error = await errorWhileAnswering(status, code, async (failing) => {
      await using store = new S3Store({ bucket, ...connection, ...failing });
      return await store.put("k", { n: 1 });
    });
    expect(StoreConnectionError.isInstance(error)).toBe(true);
    expect((error.cause as Error).name).toBe(code);
  });

  it("reports access denied as a permanent StoreError", async () => {
    const error = await errorWhileAnswering(403, "AccessDenied", async (failing) => {
      await using store = new S3Store({ bucket, ...connection, ...failing });
      return await store.get("k");
    });
    expect(StoreError.isInstance(error)).toBe(true);
    expect(StoreConnectionError.isInstance(error)).toBe(false);
    expect(error.transient).toBe(false);
    expect((error.cause as Error).name).toBe("AccessDenied");
  });

  it("reports a missing bucket as a permanent StoreError, and creates it with createBucket", async () => {
    const missing = `${bucket}-missing`;
    await using store = new S3Store({ bucket: missing, ...connection });
    const error = await store.get("k").catch((e) => e);
    expect(StoreError.isInstance(error) && !error.transient).toBe(true);
    expect((error.cause as Error).name).toBe("NoSuchBucket");
    await using creating = new S3Store({ bucket: missing, createBucket: true, ...connection });
    await creating.put("k", { n: 1 });
    expect(await creating.get("k")).toEqual({ n: 1 });
    await creating.destroyCollection("default_collection");
    await raw.send(new DeleteBucketCommand({ Bucket: missing }));
  });

  it("refuses bad options when constructed", () => {
    expect(() => new S3Store({ bucket: "", ...connection })).toThrow(TypeError);
    expect(() => new S3Store({ bucket, prefix: "p".repeat(513), ...connection })).toThrow(
      RangeError,
    );
    expect(() => new S3Store({ bucket, maxConcurrency: 0, ...connection })).toThrow(RangeError);
    expect(() => new S3Store({ bucket, defaultCollection: "", ...connection })).toThrow(
      InvalidKeyError,
    );
  });
});
