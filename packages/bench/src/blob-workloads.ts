import { createHash } from "node:crypto";
import type { BlobClient, Client, Workload, WorkloadId } from "./types.ts";

/** The chunk size of the payload streams: a read stream's default. */
const CHUNK_BYTES = 64 * 1024;

/** The sizes measured, with the ids of their put and get workloads. */
const SIZES: readonly { label: string; bytes: number; put: WorkloadId; get: WorkloadId }[] = [
  { label: "4 KB", bytes: 4 * 1024, put: "blob-put-4kb", get: "blob-get-4kb" },
  { label: "1 MB", bytes: 1024 * 1024, put: "blob-put-1mb", get: "blob-get-1mb" },
  { label: "100 MB", bytes: 100 * 1024 * 1024, put: "blob-put-100mb", get: "blob-get-100mb" },
];

/** A subject's blob calls, or an error when it has none (the harness reports the workload failed). */
function blobOf(client: Client): BlobClient {
  if (client.blob === undefined) throw new Error("no blob calls: the subject is not a blob store");
  return client.blob;
}

interface Payload {
  chunks: readonly Buffer[];
  sha256: string;
}
const payloads = new Map<number, Payload>();

/** The payload of a size in 64 KiB slices, made when first needed and kept for the run. */
function payloadOf(bytes: number): Payload {
  const made = payloads.get(bytes);
  if (made !== undefined) return made;
  const data = Buffer.allocUnsafe(bytes).fill("blob-bench-payload;");
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes; offset += CHUNK_BYTES) {
    chunks.push(data.subarray(offset, offset + CHUNK_BYTES));
  }
  const payload = { chunks, sha256: createHash("sha256").update(data).digest("hex") };
  payloads.set(bytes, payload);
  return payload;
}

/**
 * The blob workloads, run by the blob suites instead of the store workloads: a put streams the
 * payload (64 KiB chunks from a `Readable`) to one key, replacing it; a get opens a key as a
 * stream and reads it to the end. Payloads are made when a workload is first prepared.
 */
export const BLOB_WORKLOADS: readonly Workload[] = SIZES.flatMap(
  ({ label, bytes, put, get }): Workload[] => {
    const key = `bench/${put}`;
    return [
      {
        id: put,
        title: `put of a ${label} blob streamed from a Readable (atomic replace)`,
        unit: "puts/s",
        opsPerCall: 1,
        async prepare(client) {
          const blob = blobOf(client);
          const payload = payloadOf(bytes);
          await blob.put(key, payload.chunks);
          const read = await blob.read(key);
          if (read !== payload.sha256) throw new Error(`put ${label}: read back another blob`);
          return () => blob.put(key, payload.chunks);
        },
      },
      {
        id: get,
        title: `get of a ${label} blob as a stream, read to the end`,
        unit: "gets/s",
        opsPerCall: 1,
        async prepare(client) {
          const blob = blobOf(client);
          const payload = payloadOf(bytes);
          const source = `bench/${get}`;
          await blob.put(source, payload.chunks);
          if ((await blob.read(source)) !== payload.sha256) {
            throw new Error(`get ${label}: read back another blob`);
          }
          return () => blob.read(source, false);
        },
      },
    ];
  },
);
