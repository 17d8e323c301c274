import { randomBytes } from "node:crypto";
import { CompressionWrapper } from "@kv/compression";
import { DefaultValueWrapper } from "@kv/default-value";
import { EncryptionWrapper } from "@kv/encryption";
import { FallbackWrapper } from "@kv/fallback";
import { HashPrefixWrapper } from "@kv/hash-prefix";
import { KeyValidationWrapper } from "@kv/key-validation";
import { LimitSizeWrapper } from "@kv/limit-size";
import { LoggingWrapper } from "@kv/logging";
import { MemoryStore } from "@kv/memory";
import { MirroringWrapper } from "@kv/mirroring";
import { NotifyingWrapper } from "@kv/notifying";
import { OpenTelemetryWrapper } from "@kv/opentelemetry";
import { PassthroughCacheWrapper } from "@kv/passthrough-cache";
import { PrefixCollectionsWrapper } from "@kv/prefix-collections";
import { PrefixKeysWrapper } from "@kv/prefix-keys";
import type { KeyValue } from "@kv/protocol";
import { RetryWrapper } from "@kv/retry";
import { RoutingWrapper } from "@kv/routing";
import { SingleCollectionWrapper } from "@kv/single-collection";
import { StatisticsWrapper } from "@kv/statistics";
import { TimeoutWrapper } from "@kv/timeout";
import { TtlClampWrapper } from "@kv/ttl-clamp";

/** One wrapper measured around `@kv/memory`. */
export interface MemoryWrapper {
  /** Its package. */
  package: string;
  /** How it is configured in the run. */
  description: string;
  /**
   * Whether the ≤ 10 % overhead target applies: no I/O, cryptography, hashing, second store or
   * second serialization on the hot path.
   */
  targeted: boolean;
  /** The overhead budget when `targeted`, when tighter than 10 %. */
  maxOverhead?: number | undefined;
  /** Builds it around a fresh memory store. */
  wrap(): KeyValue;
}

const ignore = (): void => undefined;
const silent = { debug: ignore, info: ignore, warn: ignore, error: ignore };
const memory = () => new MemoryStore();

/** Every wrapper of the repository that runs around one store, as the benchmark measures it. */
export const MEMORY_WRAPPERS: readonly MemoryWrapper[] = [
  {
    package: "@kv/statistics",
    description: "StatisticsWrapper (defaults: counts and latency histograms)",
    targeted: true,
    wrap: () => new StatisticsWrapper(memory()),
  },
  {
    package: "@kv/retry",
    description: "RetryWrapper (defaults)",
    targeted: true,
    wrap: () => new RetryWrapper(memory()),
  },
  {
    package: "@kv/timeout",
    description: "TimeoutWrapper (defaults: 5 s)",
    targeted: true,
    wrap: () => new TimeoutWrapper(memory()),
  },
  {
    package: "@kv/limit-size",
    description:
      "LimitSizeWrapper({ maxBytes: 1 MiB }) (serializes every value once more to measure it)",
    targeted: false,
    wrap: () => new LimitSizeWrapper(memory(), { maxBytes: 1 << 20 }),
  },
  {
    package: "@kv/ttl-clamp",
    description: "TtlClampWrapper({ minTtl: 1, maxTtl: 86 400, defaultTtl: 3 600 })",
    targeted: true,
    wrap: () => new TtlClampWrapper(memory(), { minTtl: 1, maxTtl: 86_400, defaultTtl: 3_600 }),
  },
  {
    package: "@kv/default-value",
    description: "DefaultValueWrapper({ defaultValue: {} })",
    targeted: true,
    wrap: () => new DefaultValueWrapper(memory(), { defaultValue: {} }),
  },
  {
    package: "@kv/prefix-keys",
    description: 'PrefixKeysWrapper({ prefix: "app" })',
    targeted: true,
    wrap: () => new PrefixKeysWrapper(memory(), { prefix: "app" }),
  },
  {
    package: "@kv/prefix-collections",
    description: 'PrefixCollectionsWrapper({ prefix: "app" })',
    targeted: true,
    wrap: () => new PrefixCollectionsWrapper(memory(), { prefix: "app" }),
  },
  {
    package: "@kv/single-collection",
    description: 'SingleCollectionWrapper({ singleCollection: "all" })',
    targeted: true,
    wrap: () => new SingleCollectionWrapper(memory(), { singleCollection: "all" }),
  },
  {
    package: "@kv/key-validation",
    description: "KeyValidationWrapper({ key: /^[\\w:.-]+$/ })",
    targeted: true,
    wrap: () => new KeyValidationWrapper(memory(), { key: /^[\w:.-]+$/ }),
  },
  {
    package: "@kv/routing",
    description: "RoutingWrapper with one store for every collection",
    targeted: true,
    wrap: () => new RoutingWrapper({ defaultStore: memory(), collections: {} }),
  },
  {
    package: "@kv/logging",
    description: "LoggingWrapper with a logger that writes nothing",
    targeted: true,
    wrap: () => new LoggingWrapper(memory(), { logger: silent }),
  },
  {
    package: "@kv/notifying",
    description: "NotifyingWrapper with an onChange handler that does nothing",
    targeted: true,
    wrap: () => new NotifyingWrapper(memory(), { onChange: ignore }),
  },
  {
    package: "@kv/opentelemetry",
    description: "OpenTelemetryWrapper with no SDK registered (the API's no-op tracer and meter)",
    targeted: true,
    maxOverhead: 0.05,
    wrap: () => new OpenTelemetryWrapper(memory()),
  },
  {
    package: "@kv/fallback",
    description: "FallbackWrapper(MemoryStore, MemoryStore) (defaults; the primary never fails)",
    targeted: false,
    wrap: () => new FallbackWrapper(memory(), memory()),
  },
  {
    package: "@kv/hash-prefix",
    description: "HashPrefixWrapper (defaults: 2 hex characters of SHA-256)",
    targeted: false,
    wrap: () => new HashPrefixWrapper(memory()),
  },
  {
    package: "@kv/compression",
    description: "CompressionWrapper (defaults: gzip level 1 from 1 KiB)",
    targeted: false,
    wrap: () => new CompressionWrapper(memory()),
  },
  {
    package: "@kv/encryption",
    description: "EncryptionWrapper (AES-256-GCM, one key)",
    targeted: false,
    wrap: () => new EncryptionWrapper(memory(), { keys: [{ id: "bench", key: randomBytes(32) }] }),
  },
  {
    package: "@kv/mirroring",
    description: "MirroringWrapper over two memory stores (every write twice)",
    targeted: false,
    wrap: () => new MirroringWrapper([memory(), memory()]),
  },
  {
    package: "@kv/passthrough-cache",
    description:
      "PassthroughCacheWrapper(MemoryStore, MemoryStore) (a write also invalidates the cache)",
    targeted: false,
    wrap: () => new PassthroughCacheWrapper(memory(), memory()),
  },
];

/** The subject name of a wrapper around `@kv/memory`. */
export function wrapperSubjectName(wrapper: MemoryWrapper): string {
  return `${wrapper.package} around @kv/memory`;
}
