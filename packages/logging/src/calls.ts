import type { Entry, KeyValue, PutOptions, Value, ValueWithTtl } from "@kv/protocol";
import type { LogRecord } from "./logger.ts";

/** What a record may show besides the call's shape. */
export interface Shown {
  /** Values read and written (`logValues`). */
  readonly values: boolean;
  /** Keys (`logKeys`). */
  readonly keys: boolean;
}

/**
 * How one kind of call is made and what its success adds to the record: `subject` is the key,
 * keys or entries, `payload` the value. Module-level objects, so one `observe` serves every call.
 */
export interface Call<S, P, T> {
  run(store: KeyValue, subject: S, payload: P, options: PutOptions | undefined): Promise<T>;
  describe(record: LogRecord, result: T, subject: S, payload: P, show: Shown): void;
}

/** How many items are found: values, `[value, ttl]` pairs or entries that are not `undefined`. */
function hits(values: readonly unknown[]): number {
  let found = 0;
  for (const item of values) if ((Array.isArray(item) ? item[0] : item) !== undefined) found++;
  return found;
}

function bulkValues(
  record: LogRecord,
  values: readonly (Value | undefined)[] | readonly ValueWithTtl[],
  keys: readonly string[],
  show: Shown,
): void {
  if (!show.values) return;
  record.values = values;
  if (show.keys) record.keys = keys;
}

/** `get`. */
export const get: Call<string, undefined, Value | undefined> = {
  run: (store, key, _, options) => store.get(key, options),
  describe(record, value, _key, _, show) {
    record.hit = value !== undefined;
    if (show.values && value !== undefined) record.value = value;
  },
};

/** `ttl`. */
export const ttl: Call<string, undefined, ValueWithTtl> = {
  run: (store, key, _, options) => store.ttl(key, options),
  describe(record, [value, seconds], _key, _, show) {
    record.hit = value !== undefined;
    if (seconds !== undefined) record.ttl = seconds;
    if (show.values && value !== undefined) record.value = value;
  },
};

/** `getMany`. */
export const getMany: Call<readonly string[], undefined, (Value | undefined)[]> = {
  run: (store, keys, _, options) => store.getMany(keys, options),
  describe(record, values, keys, _, show) {
    record.hits = hits(values);
    bulkValues(record, values, keys, show);
  },
};

/** `ttlMany`. */
export const ttlMany: Call<readonly string[], undefined, ValueWithTtl[]> = {
  run: (store, keys, _, options) => store.ttlMany(keys, options),
  describe(record, entries, keys, _, show) {
    record.hits = hits(entries);
    bulkValues(record, entries, keys, show);
  },
};

/** `put`. */
export const put: Call<string, Value, void> = {
  run: (store, key, value, options) => store.put(key, value, options),
  describe(record, _result, _key, value, show) {
    if (show.values) record.value = value;
  },
};

/** `putMany`. */
export const putMany: Call<readonly Entry[], undefined, void> = {
  run: (store, entries, _, options) => store.putMany(entries, options),
  describe(record, _result, entries, _, show) {
    if (!show.values) return;
    bulkValues(
      record,
      entries.map(([, value]) => value),
      entries.map(([key]) => key),
      show,
    );
  },
};

/** `delete`. */
export const remove: Call<string, undefined, boolean> = {
  run: (store, key, _, options) => store.delete(key, options),
  describe(record, deleted) {
    record.deleted = deleted;
  },
};

/** `deleteMany`. */
export const removeMany: Call<readonly string[], undefined, number> = {
  run: (store, keys, _, options) => store.deleteMany(keys, options),
  describe(record, deleted) {
    record.deleted = deleted;
  },
};

/** A capability call (`keys`, `readEntries`, `destroyCollection`, `close` ...), made by a forwarder. */
export const capability: Call<unknown, (store: KeyValue) => Promise<unknown>, unknown> = {
  run: (store, _, call) => call(store),
  describe(record, result) {
    if (record.operation === "readEntries") record.hits = hits(result as unknown[]);
    else if (Array.isArray(result)) record.count = result.length;
    else if (typeof result === "boolean") record.deleted = result;
  },
};
