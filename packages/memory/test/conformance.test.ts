import { describeConformance } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import { BaseWrapper, type KeyValue } from "@kv/protocol";

class PassThroughWrapper extends BaseWrapper {}

await describeConformance("MemoryStore", {
  createStore: () => new MemoryStore(),
  answersInOrder: true,
});

await describeConformance("MemoryStore bounded to 5 000 entries", {
  createStore: () => new MemoryStore({ maxEntries: 5_000, maxBytes: 64 * 1024 * 1024 }),
  answersInOrder: true,
});

await describeConformance("MemoryStore through a pass-through BaseWrapper", {
  createStore: (): KeyValue => new PassThroughWrapper(new MemoryStore()),
  answersInOrder: true,
});
