import { describeConformance } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import { StatisticsWrapper } from "@kv/statistics";

await describeConformance("StatisticsWrapper around MemoryStore", {
  createStore: () => new StatisticsWrapper(new MemoryStore()),
});
