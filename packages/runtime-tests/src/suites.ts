// The suites every runtime runs: the memory store, two wrappers over it and the zod adapter,
// each from its package's own vitest file (vitest's API comes from ./vitest.ts).
import "../../memory/test/conformance.test.ts";
import "../../encryption/test/conformance.test.ts";
import "../../retry/test/conformance.test.ts";
import "../../zod/test/zod-adapter.test.ts";
