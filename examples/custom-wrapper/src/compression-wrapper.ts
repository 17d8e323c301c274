import { gunzipSync, gzipSync } from "node:zlib";
import {
  BaseWrapper,
  type CollectionOptions,
  DeserializationError,
  type Entry,
  type PutOptions,
  type Value,
  type ValueWithTtl,
  validateValue,
} from "@kv/protocol";

/**
 * Stores every value gzip-compressed, as `{ "gzip": "<base64>" }`, and restores it on read:
 * worth it for large, repetitive values in a backend that charges by the byte.
 */
export class CompressionWrapper extends BaseWrapper {
  override async get(key: string, options?: CollectionOptions): Promise<Value | undefined> {
    return unpack(await super.get(key, options));
  }

  override async getMany(keys: readonly string[], options?: CollectionOptions) {
    return (await super.getMany(keys, options)).map(unpack);
  }

  override async ttl(key: string, options?: CollectionOptions): Promise<ValueWithTtl> {
    const [value, ttl] = await super.ttl(key, options);
    return [unpack(value), ttl];
  }

  override async ttlMany(keys: readonly string[], options?: CollectionOptions) {
    const results = await super.ttlMany(keys, options);
    return results.map(([value, ttl]): ValueWithTtl => [unpack(value), ttl]);
  }

  override async put(key: string, value: Value, options?: PutOptions): Promise<void> {
    validateValue(value, { operation: "put", key, collection: options?.collection });
    return super.put(key, pack(value), options);
  }

  override async putMany(entries: readonly Entry[], options?: PutOptions): Promise<void> {
    const context = { operation: "putMany", collection: options?.collection } as const;
    for (const [key, value] of entries) validateValue(value, { ...context, key });
    return super.putMany(
      entries.map(([key, value]): Entry => [key, pack(value)]),
      options,
    );
  }
}

function pack(value: Value): Value {
  return { gzip: gzipSync(JSON.stringify(value)).toString("base64") };
}

function unpack(stored: Value | undefined): Value | undefined {
  if (stored === undefined) return undefined;
  if (typeof stored.gzip !== "string") {
    throw new DeserializationError({ message: "Stored value is not compressed" });
  }
  return JSON.parse(gunzipSync(Buffer.from(stored.gzip, "base64")).toString("utf8"));
}
