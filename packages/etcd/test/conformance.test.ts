import { describeConformance } from "@kv/conformance";
import { EtcdStore } from "@kv/etcd";
import { BaseWrapper, type KeyValue } from "@kv/protocol";
import { afterAll } from "vitest";
import { deleteNamespace, freshNamespace, ownStore, rawClient } from "./helpers.ts";

class PassThroughWrapper extends BaseWrapper {}

const client = rawClient();
const namespaces = [freshNamespace("conformance"), freshNamespace("wrapped")] as const;

afterAll(async () => {
  for (const namespace of namespaces) await deleteNamespace(client, namespace);
  client.close();
});

// An owned client; the atomic operations race against a second instance with its own client.
await describeConformance("EtcdStore", {
  createStore: () => ownStore(namespaces[0]),
  createPeer: () => ownStore(namespaces[0]),
});

// A borrowed client (etcd3's own defaults) inside a pass-through wrapper.
await describeConformance("EtcdStore (borrowed client) through a pass-through BaseWrapper", {
  createStore: (): KeyValue =>
    new PassThroughWrapper(new EtcdStore({ client, namespace: namespaces[1] })),
  createPeer: () => new PassThroughWrapper(ownStore(namespaces[1])),
});
