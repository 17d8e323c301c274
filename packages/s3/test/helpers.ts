import { randomUUID } from "node:crypto";
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll } from "vitest";
import { s3Url } from "../../../scripts/services/require-service.ts";

/** How the tests reach the test server (anonymous access: any credentials do). */
export const connection: {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
} = {
  endpoint: s3Url(),
  region: "us-east-1",
  credentials: { accessKeyId: "kv-test", secretAccessKey: "kv-test" },
};

/** A client of the test server, for checking what the stores wrote. */
export function testClient(): S3Client {
  return new S3Client({ ...connection, forcePathStyle: true });
}

/**
 * A bucket of its own for one test file: created before its tests, emptied and removed after.
 */
export function useBucket(label: string): string {
  const bucket = `kv-${label}-${randomUUID().slice(0, 8)}`;
  const client = testClient();
  beforeAll(async () => {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    await removeBucket(client, bucket);
    client.destroy();
  });
  return bucket;
}

/** Deletes every object of a bucket, then the bucket. */
export async function removeBucket(client: S3Client, bucket: string): Promise<void> {
  for (;;) {
    const { Contents = [] } = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
    const keys = Contents.flatMap(({ Key }) => (Key === undefined ? [] : [{ Key }]));
    if (keys.length === 0) break;
    await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
  }
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
}

/** Deletes every object whose key starts with `prefix` (what one test wrote). */
export async function emptyPrefix(bucket: string, prefix: string): Promise<void> {
  const client = testClient();
  try {
    for (;;) {
      const { Contents = [] } = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }),
      );
      const keys = Contents.flatMap(({ Key }) => (Key === undefined ? [] : [{ Key }]));
      if (keys.length === 0) return;
      await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));
    }
  } finally {
    client.destroy();
  }
}
