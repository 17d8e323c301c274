import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { S3BlobStore, S3Store } from "@kv/s3";
import { blobStoreClient, readToEnd } from "../blob-clients.ts";
import { BLOB_WORKLOADS } from "../blob-workloads.ts";
import { open, seal } from "../envelope.ts";
import { ownedKvClient } from "../kv-client.ts";
import { writeCalls } from "../raw-writes.ts";
import type { AtomicClient, BlobClient, Client, Suite, Value, WorkloadId } from "../types.ts";
import { WORKLOADS } from "../workloads.ts";
import { type Server, unlessAnswering, versionFacts } from "./servers.ts";

const RAW = "@aws-sdk/client-s3 (raw)";
const COLLECTION = "kvbench";
/** Requests one bulk call of the raw baseline keeps in flight, as S3Store's default. */
const CONCURRENCY = 16;
/** The blob workloads of 4 KB and 1 MB: a 100 MB object per call is minutes per round here. */
const BLOB_SIZES = BLOB_WORKLOADS.filter((workload) => !workload.id.endsWith("100mb"));
const KV_WORKLOADS = WORKLOADS.map((workload) => workload.id);

function s3Url(): string {
  return process.env.KV_S3_URL ?? "http://127.0.0.1:18333";
}

const connection = {
  endpoint: s3Url(),
  region: "us-east-1",
  credentials: { accessKeyId: "kvbench", secretAccessKey: "kvbench" },
};

function connect(): S3Client {
  return new S3Client({ ...connection, forcePathStyle: true, maxAttempts: 3 });
}

/** Workloads a subject does not run, with the reason. */
function without(ids: readonly WorkloadId[], reason: string): Partial<Record<WorkloadId, string>> {
  return Object.fromEntries(ids.map((id) => [id, reason]));
}

async function mapBounded<T, R>(items: readonly T[], call: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await call(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
  return results;
}

function isStatus(error: unknown, ...statuses: number[]): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status !== undefined && statuses.includes(status);
}

/**
 * The limit: one `GetObject`/`PutObject` per key holding the Map baseline's JSON envelope (16 in
 * flight for bulk calls), conditional `PutObject` for the atomic calls, lib-storage's `Upload`
 * and a streamed `GetObject` for blobs.
 */
function rawClient(bucket: string): Client {
  const client = connect();
  const key = (name: string) => `raw/${name}`;
  const read = async (name: string) => {
    try {
      const { Body, ETag } = await client.send(
        new GetObjectCommand({ Bucket: bucket, Key: key(name) }),
      );
      return { text: (await Body?.transformToString()) ?? "", etag: ETag ?? "" };
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  };
  const write = (name: string, value: Value, ttl?: number, condition = {}) =>
    client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key(name),
        Body: seal(value, Date.now(), ttl),
        ContentType: "application/json",
        ...condition,
      }),
    );
  const conditional = async (write: () => Promise<unknown>) => {
    try {
      await write();
      return true;
    } catch (error) {
      if (isStatus(error, 409, 412)) return false;
      throw error;
    }
  };
  const get = async (name: string) => open((await read(name))?.text, Date.now());
  const atomic: AtomicClient = {
    putIfAbsent: (name, value) =>
      conditional(() => write(name, value, undefined, { IfNoneMatch: "*" })),
    increment: () => Promise.reject(new Error("S3 has no atomic increment")),
    compareAndSet: async (name, value) => {
      const found = await read(name);
      if (found === undefined) return false;
      return conditional(() => write(name, value, undefined, { IfMatch: found.etag }));
    },
    deleteMany: (names) =>
      client.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: names.map((name) => ({ Key: key(name) })), Quiet: true },
        }),
      ),
  };
  const blob: BlobClient = {
    put: (name, chunks) =>
      new Upload({
        client,
        params: { Bucket: bucket, Key: key(name), Body: Readable.from(chunks) },
      }).done(),
    read: async (name, hash) => {
      const { Body } = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key(name) }));
      return readToEnd(Body as AsyncIterable<Uint8Array>, hash);
    },
  };
  return {
    get,
    getMany: (names) => mapBounded(names, get),
    ...writeCalls(write, (entries, ttl) =>
      mapBounded(entries, ([name, value]) => write(name, value, ttl)),
    ),
    close: async () => client.destroy(),
    atomic,
    blob,
  };
}

/** S3Store's calls, with its conditional writes as the atomic calls (it has no increment). */
function storeClient(store: S3Store): Client {
  return {
    ...ownedKvClient(store),
    atomic: {
      putIfAbsent: (name, value) => store.putIfAbsent(name, value),
      increment: () => Promise.reject(new Error("S3Store has no increment")),
      compareAndSet: async (name, value) => {
        const read = await store.getVersioned(name);
        return read !== undefined && store.putIfVersion(name, value, read.version);
      },
      deleteMany: (names) => store.deleteMany(names),
    },
  };
}

const server: Server = { name: "S3 server", url: s3Url(), service: "s3" };

async function answer(): Promise<void> {
  const response = await fetch(s3Url(), { signal: AbortSignal.timeout(2000) });
  await response.body?.cancel();
}

/** Empties the bench's bucket and removes it. */
async function removeBucket(bucket: string): Promise<void> {
  const client = connect();
  try {
    for (;;) {
      const { Contents = [] } = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      if (Contents.length === 0) break;
      await client.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: Contents.map(({ Key }) => ({ Key })), Quiet: true },
        }),
      );
    }
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (!isStatus(error, 404)) throw error;
  } finally {
    client.destroy();
  }
}

/**
 * S3Store and S3BlobStore against the raw @aws-sdk/client-s3 calls, all in one bucket made for
 * the run (and removed after it) on the test server of scripts/services/s3.sh.
 */
export function s3Suite(): Suite {
  const bucket = `kvbench-${randomUUID().slice(0, 8)}`;
  let created: Promise<unknown> | undefined;
  const ensureBucket = () => {
    const client = connect();
    created ??= client
      .send(new CreateBucketCommand({ Bucket: bucket }))
      .finally(() => client.destroy());
    return created;
  };
  const blobIds = BLOB_SIZES.map((workload) => workload.id);
  return {
    id: "s3",
    title: "S3 (SeaweedFS)",
    baseline: RAW,
    workloads: [...WORKLOADS, ...BLOB_SIZES],
    unavailable: unlessAnswering(server, answer),
    environment: versionFacts(server, async () => "SeaweedFS"),
    cleanup: () => removeBucket(bucket),
    subjects: [
      {
        name: RAW,
        role: "baseline",
        description:
          "GetObject/PutObject of the Map baseline's JSON envelope (16 in flight for bulk calls), PutObject with If-None-Match/If-Match, lib-storage Upload and a streamed GetObject",
        packages: ["@aws-sdk/client-s3", "@aws-sdk/lib-storage"],
        unsupported: { increment: "S3 has no atomic increment" },
        open: async () => {
          await ensureBucket();
          return rawClient(bucket);
        },
      },
      {
        name: "@kv/s3 (S3Store)",
        role: "kv",
        description: "S3Store({ bucket, endpoint }) with its defaults (16 requests in flight)",
        packages: ["@kv/s3", "@aws-sdk/client-s3"],
        unsupported: {
          increment: "S3Store has no increment",
          ...without(blobIds, "a KeyValue, not a blob store"),
        },
        open: async () => {
          await ensureBucket();
          return storeClient(new S3Store({ bucket, defaultCollection: COLLECTION, ...connection }));
        },
      },
      {
        name: "@kv/s3 (S3BlobStore)",
        role: "kv",
        description: "S3BlobStore({ bucket, prefix }): put from a Readable, open read to the end",
        packages: ["@kv/s3", "@aws-sdk/client-s3", "@aws-sdk/lib-storage"],
        unsupported: without(KV_WORKLOADS, "a blob store, not a KeyValue"),
        open: async () => {
          await ensureBucket();
          return blobStoreClient(new S3BlobStore({ bucket, prefix: "blobs/", ...connection }));
        },
      },
    ],
  };
}
