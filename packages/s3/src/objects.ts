import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import {
  deserializeEntry,
  formatTimestamp,
  type ManagedEntry,
  parseTimestamp,
  serializeEntry,
} from "@kv/protocol";
import { isMissingObject } from "./errors.ts";

/** Where the entry objects live. */
export interface Bucket {
  readonly client: S3Client;
  readonly bucket: string;
}

/** An entry object as read: its document's text and the object's ETag. */
export interface StoredObject {
  readonly text: string;
  readonly etag: string;
}

/** What a conditional `PutObject` or `DeleteObject` requires of the object. */
export type Precondition = { ifNoneMatch: "*" } | { ifMatch: string } | undefined;

/** Reads an object's text and ETag, or `undefined` when it is missing. */
export async function readObject(target: Bucket, key: string): Promise<StoredObject | undefined> {
  try {
    const { Body, ETag } = await target.client.send(
      new GetObjectCommand({ Bucket: target.bucket, Key: key }),
    );
    return { text: (await Body?.transformToString("utf-8")) ?? "", etag: ETag ?? "" };
  } catch (error) {
    if (isMissingObject(error)) return undefined;
    throw error;
  }
}

/** Reads an entry, or `undefined` when its object is missing. @throws DeserializationError */
export async function readEntry(target: Bucket, key: string): Promise<ManagedEntry | undefined> {
  const found = await readObject(target, key);
  return found === undefined ? undefined : deserializeEntry(found.text);
}

/**
 * Writes an entry object as py-key-value does: the entry document as `application/json`, with
 * `created-at` and `expires-at` in the object's metadata. With a precondition the write happens
 * only while it holds (S3 answers 412 otherwise).
 */
export async function writeEntry(
  target: Bucket,
  objectKey: string,
  entry: ManagedEntry,
  location: { collection: string; key: string },
  precondition?: Precondition,
): Promise<void> {
  const metadata: Record<string, string> = {};
  if (entry.expiresAt !== undefined) metadata["expires-at"] = formatTimestamp(entry.expiresAt);
  if (entry.createdAt !== undefined) metadata["created-at"] = formatTimestamp(entry.createdAt);
  await target.client.send(
    new PutObjectCommand({
      Bucket: target.bucket,
      Key: objectKey,
      Body: serializeEntry(entry, location),
      ContentType: "application/json",
      Metadata: metadata,
      ...conditionOf(precondition),
    }),
  );
}

/** Deletes an object (only while `precondition` holds, when given). */
export async function removeObject(
  target: Bucket,
  key: string,
  precondition?: { ifMatch: string },
): Promise<void> {
  await target.client.send(
    new DeleteObjectCommand({ Bucket: target.bucket, Key: key, ...conditionOf(precondition) }),
  );
}

/**
 * Whether the object exists, and if so whether its entry is live, from `HeadObject` and the
 * `expires-at` metadata (an object without it never expires).
 */
export async function headEntry(
  target: Bucket,
  key: string,
  now: number,
): Promise<"missing" | "live" | "expired"> {
  try {
    const { Metadata } = await target.client.send(
      new HeadObjectCommand({ Bucket: target.bucket, Key: key }),
    );
    const expiresAt = Metadata?.["expires-at"];
    return expiresAt === undefined || parseTimestamp(expiresAt) > now ? "live" : "expired";
  } catch (error) {
    if (isMissingObject(error)) return "missing";
    throw error;
  }
}

function conditionOf(precondition: Precondition): { IfNoneMatch?: string; IfMatch?: string } {
  if (precondition === undefined) return {};
  return "ifMatch" in precondition
    ? { IfMatch: precondition.ifMatch }
    : { IfNoneMatch: precondition.ifNoneMatch };
}
