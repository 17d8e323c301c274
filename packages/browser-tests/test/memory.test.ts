// @kv/memory's own conformance tests, run in Chromium.
import "../../memory/test/conformance.test.ts";
