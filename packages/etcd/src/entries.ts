import { deserializeEntry, type ManagedEntry, serializeEntry } from "@kv/protocol";
import type { IKeyValue, IPutRequest } from "etcd3";
import { RequestTooLargeError } from "./errors.ts";
import type { LeaseOf } from "./leases.ts";
import { requestSize } from "./requests.ts";

/** Where one entry lives: its collection and key, and its etcd key. */
export interface EntryLocation {
  collection: string;
  key: string;
  etcdKey: Buffer;
}

/** The entry a stored key-value holds. */
export function entryOf(kv: IKeyValue): ManagedEntry {
  return deserializeEntry(kv.value.toString("utf8"));
}

/**
 * The put request that stores an entry, without its lease: py-key-value's entry document as the
 * value.
 * @throws RequestTooLargeError when it would not fit in a request of `limit` bytes
 */
export function putRequest(
  location: EntryLocation,
  entry: ManagedEntry,
  limit: number,
): IPutRequest {
  const { collection, key, etcdKey } = location;
  const value = Buffer.from(serializeEntry(entry, { collection, key }), "utf8");
  const size = requestSize(etcdKey, value);
  if (size > limit) throw new RequestTooLargeError({ collection, key, size, limit });
  return { key: etcdKey, value };
}

/** The put request with the lease of the entry's expiry, when it has one. */
export function withLease(
  put: IPutRequest,
  expiresAt: number | undefined,
  leaseOf: LeaseOf,
): IPutRequest {
  const lease = leaseOf(expiresAt);
  return lease === undefined ? put : { ...put, lease };
}
