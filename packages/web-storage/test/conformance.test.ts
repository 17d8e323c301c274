import { describeConformance } from "@kv/conformance";
import { WebStorageStore } from "@kv/web-storage";

let stores = 0;

await describeConformance("WebStorageStore on localStorage", {
  createStore: () => new WebStorageStore({ storage: localStorage, namespace: `kv${++stores}:` }),
});

await describeConformance("WebStorageStore on sessionStorage", {
  createStore: () => new WebStorageStore({ storage: sessionStorage, namespace: `kv${++stores}:` }),
});
