import { createSuiteContext, describeErrors, describeInputValidation } from "@kv/conformance";
import { NullStore } from "@kv/null";
import { afterEach, beforeEach, describe } from "vitest";

// NullStore keeps nothing by design, so the groups that read back writes do not apply; the
// validation and error groups do: bad input is refused exactly as by every other store.
const { context, setUp, tearDown } = createSuiteContext({ createStore: () => new NullStore() });

describe("NullStore conformance (validation and errors)", () => {
  beforeEach(setUp);
  afterEach(tearDown);
  describeInputValidation(context);
  describeErrors(context);
});
