import { describeConformance } from "@kv/conformance";
import { type Logger, LoggingWrapper } from "@kv/logging";
import { MemoryStore } from "@kv/memory";

const discard = (): void => {};
const noop: Logger = { debug: discard, info: discard, warn: discard, error: discard };
const serializing: Logger = {
  debug: (record) => JSON.stringify(record),
  info: (record) => JSON.stringify(record),
  warn: (record) => JSON.stringify(record),
  error: (record) => JSON.stringify(record),
};

await describeConformance("LoggingWrapper around MemoryStore", {
  createStore: () => new LoggingWrapper(new MemoryStore(), { logger: noop }),
});

await describeConformance("LoggingWrapper around MemoryStore, values logged and keys hidden", {
  createStore: () =>
    new LoggingWrapper(new MemoryStore(), { logger: serializing, logValues: true, logKeys: false }),
});
