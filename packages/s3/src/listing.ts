import {
  DeleteObjectsCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from "@aws-sdk/client-s3";

/** One name of a listing: an object key, or a common prefix (ending with the delimiter). */
export interface Listed {
  /** The object key or common prefix, decoded. */
  readonly name: string;
  /** True for a common prefix. */
  readonly isPrefix: boolean;
}

/** The most keys S3 returns in one `ListObjectsV2` page, and deletes in one `DeleteObjects`. */
export const PAGE_SIZE = 1000;

/**
 * Lists the object keys starting with `prefix` (and, with a `delimiter`, the common prefixes),
 * one `ListObjectsV2` page at a time following continuation tokens, so memory stays bounded.
 * Keys travel URL-encoded (`EncodingType: "url"`), so any byte survives the XML of the answer.
 */
export async function* listObjects(
  client: S3Client,
  bucket: string,
  prefix: string,
  delimiter?: string,
): AsyncGenerator<Listed, void, undefined> {
  let token: string | undefined;
  do {
    const page: ListObjectsV2CommandOutput = await client.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        EncodingType: "url",
        MaxKeys: PAGE_SIZE,
        ...(delimiter === undefined ? {} : { Delimiter: delimiter }),
        ...(token === undefined ? {} : { ContinuationToken: token }),
      }),
    );
    for (const { Prefix } of page.CommonPrefixes ?? []) {
      if (Prefix !== undefined) yield { name: decodeListed(Prefix), isPrefix: true };
    }
    for (const { Key } of page.Contents ?? []) {
      if (Key !== undefined) yield { name: decodeListed(Key), isPrefix: false };
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
}

/** The object keys of a listing (common prefixes left out). */
export async function* listKeys(
  client: S3Client,
  bucket: string,
  prefix: string,
): AsyncGenerator<string, void, undefined> {
  for await (const { name } of listObjects(client, bucket, prefix)) yield name;
}

/** True when at least one object key starts with `prefix` (a one-key `ListObjectsV2`). */
export async function holdsObjects(
  client: S3Client,
  bucket: string,
  prefix: string,
): Promise<boolean> {
  const page = await client.send(
    new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }),
  );
  return (page.Contents?.length ?? 0) > 0;
}

/**
 * Deletes every object whose key starts with `prefix`, 1 000 per `DeleteObjects` request;
 * returns how many keys were listed and deleted.
 * @throws the SDK's error, or an Error naming the first key S3 refused to delete
 */
export async function deletePrefix(
  client: S3Client,
  bucket: string,
  prefix: string,
): Promise<number> {
  let batch: string[] = [];
  let deleted = 0;
  for await (const key of listKeys(client, bucket, prefix)) {
    batch.push(key);
    if (batch.length === PAGE_SIZE) {
      deleted += await deleteObjects(client, bucket, batch);
      batch = [];
    }
  }
  if (batch.length > 0) deleted += await deleteObjects(client, bucket, batch);
  return deleted;
}

/**
 * Deletes up to 1 000 objects in one `DeleteObjects` request; returns how many were asked for.
 * @throws the SDK's error, or an Error naming the first key S3 refused to delete
 */
export async function deleteObjects(
  client: S3Client,
  bucket: string,
  keys: readonly string[],
): Promise<number> {
  if (keys.length === 0) return 0;
  const { Errors } = await client.send(
    new DeleteObjectsCommand({
      Bucket: bucket,
      Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
    }),
  );
  const failed = Errors?.[0];
  if (failed !== undefined) {
    throw Object.assign(new Error(`S3 did not delete ${failed.Key}: ${failed.Message}`), {
      name: failed.Code ?? "DeleteObjectsError",
    });
  }
  return keys.length;
}

/** A name from a URL-encoded listing: `+` is a space, `%XX` a byte of UTF-8. */
function decodeListed(name: string): string {
  return decodeURIComponent(name.replace(/\+/g, " "));
}
