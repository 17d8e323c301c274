/** A JSON object value, as every subject stores it. */
export type Value = { [key: string]: unknown };

/** A key and its value, for bulk writes. */
export type Entry = readonly [key: string, value: Value];

/** The TTL used by the TTL workloads, in seconds (long enough never to expire during a run). */
export const TTL_SECONDS = 3600;

/**
 * What a workload calls on a subject: each method is one call of the library being measured.
 * `putTtl` / `putManyTtl` write with a TTL of `TTL_SECONDS`; reads resolve to the stored value.
 */
export interface Client {
  /** Reads one key. */
  get(key: string): Promise<unknown>;
  /** Reads many keys in one call. */
  getMany(keys: readonly string[]): Promise<readonly unknown[]>;
  /** Writes one key. */
  put(key: string, value: Value): Promise<unknown>;
  /** Writes one key with a TTL. */
  putTtl(key: string, value: Value): Promise<unknown>;
  /** Writes many keys in one call. */
  putMany(entries: readonly Entry[]): Promise<unknown>;
  /** Writes many keys with a TTL in one call. */
  putManyTtl(entries: readonly Entry[]): Promise<unknown>;
  /** Releases connections and files; removes what the subject wrote where that is its job. */
  close(): Promise<void>;
  /** The atomic operations, where the subject has them natively; absent otherwise. */
  atomic?: AtomicClient | undefined;
  /** The get-or-compute call, where the subject is a cache; absent otherwise. */
  cache?: CacheClient | undefined;
  /** The blob calls, where the subject is a blob store; absent otherwise. */
  blob?: BlobClient | undefined;
}

/** A blob store's calls, which the blob workloads make. */
export interface BlobClient {
  /** Stores the chunks, streamed from a `Readable`, under the key (replacing it). */
  put(key: string, chunks: readonly Uint8Array[]): Promise<unknown>;
  /** Streams the blob to the end: its SHA-256 (or, with `hash: false`, its length). */
  read(key: string, hash?: boolean): Promise<string>;
}

/** The atomic calls the atomic workloads make, each one call of the library measured. */
export interface AtomicClient {
  /** Writes `value` unless the key holds a live entry; `true` when it wrote. */
  putIfAbsent(key: string, value: Value): Promise<boolean>;
  /** Adds 1 to the counter at `key` (stored as `{ count }`) and returns the new count. */
  increment(key: string): Promise<number>;
  /** Reads the key with its version, then writes `value` only if it still has that version. */
  compareAndSet(key: string, value: Value): Promise<boolean>;
  /** Removes keys in one call: the `putIfAbsent` workload clears what it wrote every 1 000 calls. */
  deleteMany(keys: readonly string[]): Promise<unknown>;
}

/** How a subject relates to the others: the limit, a store of ours, another library, a variant. */
export type Role = "baseline" | "kv" | "wrapper" | "anchor" | "reference";

/** One thing measured: a library (or raw driver) configured against one backend. */
export interface Subject {
  /** The name shown in the report. */
  name: string;
  /** What kind of subject it is. */
  role: Role;
  /** What it is, in a few words (shown in the report). */
  description: string;
  /** Another subject of the same suite to which it is also compared round by round. */
  relativeTo?: string | undefined;
  /** Workloads it cannot run, with the reason (shown in the report). */
  unsupported?: Partial<Record<WorkloadId, string>> | undefined;
  /** Too slow for the quick preset: measured in full runs only. */
  fullRunsOnly?: boolean | undefined;
  /** The npm packages whose versions the report lists for it. */
  packages: readonly string[];
  /** Opens a fresh client. */
  open(): Promise<Client>;
}

/** One backend: its subjects, the first of which is the baseline the others are divided by. */
export interface Suite {
  /** Short identifier, used by `--only`. */
  id: string;
  /** The title shown in the report. */
  title: string;
  /** The name of the subject every other one is divided by, round by round. */
  baseline: string;
  /** What is measured. */
  subjects: readonly Subject[];
  /** Why the suite cannot run here (a server is not answering ...); `undefined` when it can. */
  unavailable?: (() => Promise<string | undefined>) | undefined;
  /** Extra facts for the report (a server version ...). */
  environment?: (() => Promise<Record<string, string>>) | undefined;
  /** Removes whatever the run left in the backend. */
  cleanup?: (() => Promise<void>) | undefined;
  /** The workloads this suite runs instead of the bench's list (the cache suites run their own). */
  workloads?: readonly Workload[] | undefined;
}

/** The workloads, by id. */
export type WorkloadId =
  | "put-get"
  | "get-concurrent"
  | "get-many-10"
  | "get-many"
  | "get-many-1000"
  | "put-many-10"
  | "put-many"
  | "put-many-1000"
  | "put-get-10kb"
  | "put-ttl"
  | "put-many-ttl"
  | "put-if-absent"
  | "increment"
  | "put-if-version"
  | "get-or-set-hit"
  | "get-or-set-miss"
  | "blob-put-4kb"
  | "blob-get-4kb"
  | "blob-put-1mb"
  | "blob-get-1mb"
  | "blob-put-100mb"
  | "blob-get-100mb";

/** One workload: a call (or short sequence) repeated for a fixed time. */
export interface Workload {
  /** Identifier. */
  id: WorkloadId;
  /** What one call does, for the report. */
  title: string;
  /** What the ops/s figure counts. */
  unit: string;
  /** How many counted operations one call makes. */
  opsPerCall: number;
  /** Run only by subjects whose client has `atomic`. */
  requiresAtomic?: boolean | undefined;
  /** Writes what the call reads, checks the client answers correctly, and returns the call. */
  prepare(client: Client): Promise<() => Promise<unknown>>;
}

/** What one call costs on the wire, counted around a single call (Redis). */
export interface CallCost {
  /** The call, as the report names it. */
  call: string;
  /** Commands the server executed for the subject's connection(s), from `MONITOR`. */
  commands: number;
  /** Commands run inside server-side scripts (`EVALSHA`), from `MONITOR`. */
  scriptCommands: number;
  /** Bursts of socket writes separated by a reply: the round trips the call waited for. */
  roundTrips: number;
  /** `socket.write()` calls made by the client. */
  writes: number;
  /** The distinct command names seen, with counts, e.g. `MGET×1`. */
  detail: string;
}

/** A cache's get-or-compute call (`getOrSet`, `wrap` ...), which the cache workloads make. */
export interface CacheClient {
  /** The cached value of `key`, or `factory`'s result, cached with a TTL of `TTL_SECONDS`. */
  getOrSet(key: string, factory: () => Promise<Value>): Promise<unknown>;
}
