// DefaultValueWrapper is not transparent: a missing key reads as the default, which the suite
// would take for a stored value. So the suite runs through a test-only view that turns the
// default (a value no test writes) back into `undefined`: it passes only if every stored value,
// TTL, error and capability comes through unchanged and only missing keys read as the default.
// What the wrapper adds is specified in default-value-wrapper.test.ts.
import { isDeepStrictEqual } from "node:util";
import { describeConformance } from "@kv/conformance";
import { DefaultValueWrapper } from "@kv/default-value";
import { MemoryStore } from "@kv/memory";
import { BaseWrapper, type Value } from "@kv/protocol";

const defaultValue = { "default-value conformance": "a missing key" };

class DefaultAsMissing extends BaseWrapper {
  protected override decodeValue(stored: Value): Value | undefined {
    return isDeepStrictEqual(stored, defaultValue) ? undefined : stored;
  }
}

await describeConformance("DefaultValueWrapper around MemoryStore, its default read as missing", {
  createStore: () =>
    new DefaultAsMissing(
      new DefaultValueWrapper(new MemoryStore(), { defaultValue, defaultTtl: 60 }),
    ),
});
