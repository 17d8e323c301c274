import { randomUUID } from "node:crypto";
import { EtcdStore, type EtcdStoreOptions } from "@kv/etcd";
import { Etcd3 } from "etcd3";
import { etcdUrl } from "../../../scripts/services/require-service.ts";

/** The test server (scripts/services/etcd.sh). */
export const url: string = etcdUrl();

/** A namespace no other test run uses. */
export function freshNamespace(label: string): string {
  return `kvtest-${randomUUID().slice(0, 8)}-${label}`;
}

/** A client for inspecting what the store wrote. */
export function rawClient(): Etcd3 {
  return new Etcd3({ hosts: url });
}

/** Deletes every key of a namespace. */
export async function deleteNamespace(client: Etcd3, namespace: string): Promise<void> {
  await client.delete().prefix(`${namespace}/`);
}

/** A store with a client of its own on `namespace`; each call may override any option. */
export function ownStore(namespace: string, options: Partial<EtcdStoreOptions> = {}): EtcdStore {
  return new EtcdStore({ url, namespace, ...options } as EtcdStoreOptions);
}
