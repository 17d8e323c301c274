import { describeConformance } from "@kv/conformance";
import { MemoryStore } from "@kv/memory";
import { OpenTelemetryWrapper } from "@kv/opentelemetry";
import { inMemoryTelemetry } from "./telemetry.ts";

const telemetry = inMemoryTelemetry();

await describeConformance("OpenTelemetryWrapper around MemoryStore, no SDK registered", {
  createStore: () => new OpenTelemetryWrapper(new MemoryStore()),
});

await describeConformance("OpenTelemetryWrapper around MemoryStore, spans and metrics recorded", {
  createStore: () =>
    new OpenTelemetryWrapper(new MemoryStore(), {
      tracerProvider: telemetry.tracerProvider,
      meterProvider: telemetry.meterProvider,
      recordKeys: true,
    }),
});
