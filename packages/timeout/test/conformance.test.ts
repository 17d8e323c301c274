import { describeConformance } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import { TimeoutWrapper } from "@kv/timeout";

await describeConformance("TimeoutWrapper around MemoryStore", {
  createStore: () => new TimeoutWrapper(new MemoryStore(), { timeoutMs: 10_000 }),
});
