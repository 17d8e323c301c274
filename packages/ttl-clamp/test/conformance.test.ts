import { describeConformance } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import { MAX_TTL_SECONDS } from "@kv/protocol";
import { TtlClampWrapper } from "@kv/ttl-clamp";

await describeConformance("TtlClampWrapper without options around MemoryStore", {
  createStore: () => new TtlClampWrapper(new MemoryStore()),
});

await describeConformance("TtlClampWrapper with bounds the suite stays within", {
  createStore: () =>
    new TtlClampWrapper(new MemoryStore(), { minTtl: "100ms", maxTtl: MAX_TTL_SECONDS }),
});
