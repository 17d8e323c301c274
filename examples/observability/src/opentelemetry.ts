import assert from "node:assert/strict";
import { MemoryStore } from "@kv/memory";
import { OpenTelemetryWrapper } from "@kv/opentelemetry";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";

// The SDK, set up as an application does at start-up (with OTLP exporters instead of in-memory ones).
const spans = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(spans)],
});
const measurements = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter: measurements });
const meterProvider = new MeterProvider({ readers: [reader] });
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

const store = new OpenTelemetryWrapper(new MemoryStore(), { tracerProvider, meterProvider });

const tracer = tracerProvider.getTracer("shop");
await tracer.startActiveSpan("GET /cart", async (request) => {
  await store.put("cart-7", { items: 3 }, { collection: "carts", ttl: 3600 });
  await store.getMany(["cart-7", "cart-8"], { collection: "carts" });
  await assert.rejects(store.get("", { collection: "carts" }));
  request.end();
});

const [put, getMany, failed, request] = spans.getFinishedSpans();
assert.equal(put?.name, "put carts");
assert.equal(put?.parentSpanContext?.spanId, request?.spanContext().spanId);
assert.deepEqual(getMany?.attributes, {
  "db.system.name": "memory",
  "db.operation.name": "getMany",
  "db.collection.name": "carts",
  "db.operation.batch.size": 2,
});
assert.equal(failed?.attributes["error.type"], "InvalidKeyError");
assert.ok(!JSON.stringify(getMany?.attributes).includes("cart-7")); // no keys unless recordKeys

await reader.forceFlush();
const metric = measurements.getMetrics()[0]?.scopeMetrics[0]?.metrics[0];
assert.equal(metric?.descriptor.name, "db.client.operation.duration");
assert.equal(metric?.descriptor.unit, "s");
assert.deepEqual(
  metric?.dataPoints.map(({ attributes }) => attributes["db.operation.name"]),
  ["put", "getMany", "get"],
);

await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]);
trace.disable();
context.disable();
