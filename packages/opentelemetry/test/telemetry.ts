import type { Attributes } from "@opentelemetry/api";
import {
  AggregationTemporality,
  type Histogram,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from "@opentelemetry/sdk-metrics";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";

/** One data point of the duration histogram. */
export interface DurationPoint {
  attributes: Attributes;
  count: number;
  sum: number;
  boundaries: number[];
}

/** An in-memory SDK: spans and metrics go to in-memory exporters the tests read. */
export interface Telemetry {
  tracerProvider: BasicTracerProvider;
  meterProvider: MeterProvider;
  /** The finished spans, in the order they ended. */
  spans(): ReadableSpan[];
  /** Collects the metrics now and returns the duration histogram (name, unit and points). */
  durations(): Promise<{ name: string; unit: string; points: DurationPoint[] } | undefined>;
  /** Shuts both providers down. */
  shutdown(): Promise<void>;
}

/** Sets up an in-memory tracer provider and meter provider. */
export function inMemoryTelemetry(): Telemetry {
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(spanExporter)],
  });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    tracerProvider,
    meterProvider,
    spans: () => spanExporter.getFinishedSpans(),
    async durations() {
      await reader.forceFlush();
      const latest = metricExporter.getMetrics().at(-1);
      const metric = latest?.scopeMetrics
        .flatMap(({ metrics }) => metrics)
        .find(({ descriptor }) => descriptor.name === "db.client.operation.duration");
      if (metric === undefined) return undefined;
      return {
        name: metric.descriptor.name,
        unit: metric.descriptor.unit,
        points: metric.dataPoints.map(({ attributes, value }) => {
          const histogram = value as Histogram;
          return {
            attributes,
            count: histogram.count,
            sum: histogram.sum ?? 0,
            boundaries: histogram.buckets.boundaries,
          };
        }),
      };
    },
    async shutdown() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}
