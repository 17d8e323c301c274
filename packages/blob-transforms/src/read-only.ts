import type { BlobWriteOptions, FileWriteOptions } from "@kv/blob";
import { BlobStoreDecorator } from "./decorator.ts";
import { ReadOnlyBlobStoreError } from "./errors.ts";

/**
 * A read-only view of a blob store (simplekv's `ReadOnlyDecorator`): reads, listings and
 * `urlFor` pass through; `put`, `putFile` and `delete` throw `ReadOnlyBlobStoreError` after
 * checking their input, leaving the store and the file given to `putFile` as they were.
 */
export class ReadOnlyBlobStore extends BlobStoreDecorator {
  protected override writeBlob(
    key: string,
    _chunks: AsyncIterable<Uint8Array>,
    _options: BlobWriteOptions,
  ): Promise<void> {
    return refuse("put", key);
  }

  protected override writeBytes(
    key: string,
    _bytes: Uint8Array,
    _options: BlobWriteOptions,
  ): Promise<void> {
    return refuse("put", key);
  }

  protected override writeFromFile(
    key: string,
    _path: string,
    _options: FileWriteOptions,
  ): Promise<void> {
    return refuse("put", key);
  }

  protected override deleteBlob(key: string): Promise<boolean> {
    return refuse("delete", key);
  }
}

async function refuse(operation: "put" | "delete", key: string): Promise<never> {
  throw new ReadOnlyBlobStoreError({
    operation,
    key,
    message: `The blob store is read-only: ${operation} refused`,
  });
}
