import type { BlobStore } from "@kv/blob";
import { FileSystemBlobStore } from "@kv/blob-fs";
import { S3BlobStore } from "@kv/s3";

/**
 * The uploads' blob store, as the environment says: `UPLOADS=s3` stores them in the bucket
 * `UPLOADS_BUCKET` of the S3 server at `KV_S3_URL` (AWS when unset); anything else keeps them as
 * files under `UPLOADS_DIRECTORY`.
 */
export function blobStoreFromEnvironment(env: NodeJS.ProcessEnv): BlobStore {
  if (env.UPLOADS === "s3") {
    if (env.UPLOADS_BUCKET === undefined) throw new Error("UPLOADS=s3 needs UPLOADS_BUCKET");
    return new S3BlobStore({
      bucket: env.UPLOADS_BUCKET,
      prefix: "uploads/",
      createBucket: true,
      ...(env.KV_S3_URL === undefined ? {} : { endpoint: env.KV_S3_URL }),
    });
  }
  return new FileSystemBlobStore({ directory: env.UPLOADS_DIRECTORY ?? "uploads" });
}
