// The suite uses hostile names (unicode, "/", 1 000 characters) that simplekv's preset refuses,
// so it runs with rules that accept every name: it proves the wrapper changes nothing for names
// that pass. The preset and refusals are specified in key-validation-wrapper.test.ts.
import { describeConformance } from "@kv/conformance";
import { KeyValidationWrapper } from "@kv/key-validation";
import { MemoryStore } from "@kv/memory";

await describeConformance("KeyValidationWrapper around MemoryStore, with permissive rules", {
  createStore: () =>
    new KeyValidationWrapper(new MemoryStore(), { key: /^[\s\S]+$/, collection: () => true }),
});
