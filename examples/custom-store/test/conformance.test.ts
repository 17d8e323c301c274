import { describeConformance } from "@kv/conformance";
import { StringMapStore } from "../src/string-map-store.ts";

await describeConformance("StringMapStore", {
  createStore: () => new StringMapStore(),
});
