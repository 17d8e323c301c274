// The zod adapter's own tests, run in Chromium over MemoryStore (its DiskStore rows need a file
// system; vitest.config.ts points their store list at test/zod-stores.ts).
import "../../zod/test/zod-adapter.test.ts";
import "../../zod/test/dates-and-codecs.test.ts";
