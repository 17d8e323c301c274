import { env } from "cloudflare:workers";
import { CloudflareKvStore, type KvNamespaceBinding } from "@kv/cloudflare-kv";
import { describeConformance } from "@kv/conformance";
import { BaseWrapper, type KeyValue } from "@kv/protocol";

class PassThroughWrapper extends BaseWrapper {}

const namespace = (env as { KV: KvNamespaceBinding }).KV;
let stores = 0;

await describeConformance("CloudflareKvStore on Miniflare's Workers KV in workerd", {
  createStore: () => new CloudflareKvStore({ namespace, prefix: `conformance-${++stores}:` }),
});

await describeConformance("CloudflareKvStore through a pass-through BaseWrapper", {
  createStore: (): KeyValue =>
    new PassThroughWrapper(new CloudflareKvStore({ namespace, prefix: `wrapped-${++stores}:` })),
});
