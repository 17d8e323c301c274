import assert from "node:assert/strict";
import { InvalidTtlError, ManualClock, supportsKeys } from "@kv/protocol";
import { StringMapStore } from "./string-map-store.ts";

const clock = new ManualClock();
const store = new StringMapStore({ clock });

await store.put("a/b", { n: 1 }, { collection: "x" });
await store.put("b", { n: 2 }, { collection: "x/a" }); // the same characters, another entry
await store.put("otp", { code: "123456" }, { collection: "x", ttl: 30 });

const both = [
  await store.get("a/b", { collection: "x" }),
  await store.get("b", { collection: "x/a" }),
];
const keysBefore = (await store.keys({ collection: "x" })).sort();
clock.advanceSeconds(31);
const otp = await store.get("otp", { collection: "x" });
const keysAfter = await store.keys({ collection: "x" });

console.log({ both, keysBefore, otp, keysAfter });

assert.deepEqual(both, [{ n: 1 }, { n: 2 }]);
assert.deepEqual(keysBefore, ["a/b", "otp"]);
assert.equal(otp, undefined);
assert.deepEqual(keysAfter, ["a/b"]);
assert.ok(supportsKeys(store));
await assert.rejects(store.put("k", { n: 1 }, { ttl: 0 }), InvalidTtlError);
console.log("custom-store: ok (the conformance suite runs next)");
