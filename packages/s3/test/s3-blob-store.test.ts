import { DeleteBucketCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { InvalidBlobKeyError, MissingKeyError } from "@kv/blob";
import { collect, generatedChunks, MiB, patternBytes } from "@kv/conformance";
import { StoreConnectionError, StoreError } from "@kv/protocol";
import { afterAll, describe, expect, it } from "vitest";
import { S3BlobStore } from "../src/index.ts";
import { connection, emptyPrefix, testClient, useBucket } from "./helpers.ts";
import { errorWhileAnswering } from "./servers.ts";

const bucket = useBucket("blob-store");
const raw = testClient();
afterAll(async () => {
  await emptyPrefix(bucket, "");
  raw.destroy();
});

function open(prefix: string, options: Partial<{ partSizeBytes: number }> = {}): S3BlobStore {
  return new S3BlobStore({ bucket, prefix, ...connection, ...options });
}

describe("S3BlobStore's ranged reads", () => {
  it("reads the bytes from start to end, both included, whole or streamed", async () => {
    await using store = open("range/");
    const bytes = patternBytes(100_000, 7);
    await store.put("blob", bytes);
    expect(Buffer.from(await store.getRange("blob", { start: 10, end: 19 }))).toEqual(
      Buffer.from(bytes.subarray(10, 20)),
    );
    expect((await store.getRange("blob", { start: 99_990 })).byteLength).toBe(10);
    expect((await store.getRange("blob", { end: 0 })).byteLength).toBe(1);
    const streamed = Buffer.concat(await collect(await store.openRange("blob", { start: 50_000 })));
    expect(streamed.equals(bytes.subarray(50_000))).toBe(true);
  });

  it("cuts a range at the end of the blob and gives nothing past it", async () => {
    await using store = open("range-end/");
    await store.put("blob", "0123456789");
    expect(Buffer.from(await store.getRange("blob", { start: 8, end: 100 })).toString()).toBe("89");
    expect((await store.getRange("blob", { start: 10 })).byteLength).toBe(0);
    await store.put("empty", new Uint8Array(0));
    expect((await store.getRange("empty", { start: 0 })).byteLength).toBe(0);
  });

  it("refuses a missing key with MissingKeyError and bad offsets with RangeError", async () => {
    await using store = open("range-bad/");
    expect(MissingKeyError.isInstance(await store.getRange("none", {}).catch((e) => e))).toBe(true);
    expect(MissingKeyError.isInstance(await store.openRange("none", {}).catch((e) => e))).toBe(
      true,
    );
    await expect(store.getRange("k", { start: -1 })).rejects.toThrow(RangeError);
    await expect(store.getRange("k", { start: 5, end: 4 })).rejects.toThrow(RangeError);
    await expect(store.openRange("k", { start: 1.5 })).rejects.toThrow(RangeError);
  });
});

describe("S3BlobStore's uploads", () => {
  it("uploads a stream larger than a part as a multipart upload", async () => {
    await using store = open("multipart/");
    await store.put("big", generatedChunks(12 * MiB, { bytes: 0, sha256: "" }));
    const head = await raw.send(new HeadObjectCommand({ Bucket: bucket, Key: "multipart/big" }));
    expect(head.ContentLength).toBe(12 * MiB);
    expect(head.ETag).toMatch(/-3"$/);
  });

  it("refuses a part size under S3's 5 MiB minimum", () => {
    expect(() => open("x/", { partSizeBytes: MiB })).toThrow(RangeError);
  });

  it("refuses keys S3 servers cannot hold: empty, . or .. parts, over 1 024 bytes with the prefix", async () => {
    await using store = open("keys/");
    for (const key of ["a//b", "a/", "/a", "./a", "a/..", `${"k".repeat(1020)}`]) {
      expect(InvalidBlobKeyError.isInstance(await store.put(key, "x").catch((e) => e))).toBe(true);
    }
  });

  it("gives presigned URLs that expire after urlExpiresInSeconds", async () => {
    await using store = new S3BlobStore({
      bucket,
      prefix: "urls/",
      urlExpiresInSeconds: 60,
      ...connection,
    });
    const url = new URL(await store.urlFor("page.html"));
    expect(url.pathname).toBe(`/${bucket}/urls/page.html`);
    expect(url.searchParams.get("X-Amz-Expires")).toBe("60");
  });
});

describe("S3BlobStore's errors", () => {
  it("reports 503 SlowDown as a transient StoreConnectionError and 403 as a permanent StoreError", async () => {
    for (const [status, code, transient] of [
      [503, "SlowDown", true],
      [403, "AccessDenied", false],
    ] as const) {
      const error = await errorWhileAnswering(status, code, async (failing) => {
        await using store = new S3BlobStore({ bucket, ...connection, ...failing });
        return await store.get("k");
      });
      expect(StoreError.isInstance(error)).toBe(true);
      expect(StoreConnectionError.isInstance(error)).toBe(transient);
      expect((error.cause as Error).name).toBe(code);
    }
  });

  it("reports a missing bucket as a permanent StoreError, and creates it with createBucket", async () => {
    const missing = `${bucket}-missing`;
    await using store = new S3BlobStore({ bucket: missing, ...connection });
    const error = await store.get("k").catch((e) => e);
    expect(StoreError.isInstance(error) && !error.transient).toBe(true);
    await using creating = new S3BlobStore({ bucket: missing, createBucket: true, ...connection });
    await creating.put("k", "v");
    expect(Buffer.from(await creating.get("k")).toString()).toBe("v");
    await creating.delete("k");
    await raw.send(new DeleteBucketCommand({ Bucket: missing }));
  });
});
