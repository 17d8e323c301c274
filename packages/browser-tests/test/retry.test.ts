// RetryWrapper's own conformance tests (over MemoryStore), run in Chromium.
import "../../retry/test/conformance.test.ts";
