import type { Etcd3, IKeyValue, IPutRequest, IRequestOp } from "etcd3";
import { prefixEnd } from "./layout.ts";

/** What a bulk request may hold: the server's `--max-txn-ops` and `--max-request-bytes`. */
export interface RequestLimits {
  maxTxnOps: number;
  maxRequestBytes: number;
}

/** The bytes a request spends on one operation besides its key and value (framing, lease). */
export const OPERATION_OVERHEAD = 64;

/** Reads one key: its key-value, or `undefined`. */
export async function readKey(client: Etcd3, key: Buffer): Promise<IKeyValue | undefined> {
  return (await client.kv.range({ key })).kvs[0];
}

/**
 * Reads many keys, in order: one read-only transaction of range operations per `maxTxnOps`
 * keys (a single key is a plain range request), the transactions sent together.
 */
export async function readKeys(
  client: Etcd3,
  keys: readonly Buffer[],
  limits: RequestLimits,
): Promise<(IKeyValue | undefined)[]> {
  if (keys.length === 1) return [await readKey(client, keys[0] as Buffer)];
  const groups = chunks(keys, limits.maxTxnOps);
  const responses = await Promise.all(
    groups.map((group) =>
      client.kv.txn({ success: group.map((key) => ({ request_range: { key } })) }),
    ),
  );
  return responses.flatMap((response) => response.responses.map((op) => op.response_range.kvs[0]));
}

/**
 * Writes many distinct keys: transactions of put operations, each within `maxTxnOps`
 * operations and `maxRequestBytes` bytes (a single put is a plain put request), sent together.
 * A transaction is atomic; the call as a whole is not.
 */
export async function writeKeys(
  client: Etcd3,
  puts: readonly IPutRequest[],
  limits: RequestLimits,
): Promise<void> {
  if (puts.length === 1) {
    await client.kv.put(puts[0] as IPutRequest);
    return;
  }
  await Promise.all(
    bySize(puts, limits).map((group) =>
      client.kv.txn({ success: group.map((put) => ({ request_put: put })) }),
    ),
  );
}

/**
 * Deletes many distinct keys and returns the key-values that were there: transactions of
 * delete operations asking for the previous values, `maxTxnOps` at a time, sent together.
 */
export async function deleteKeys(
  client: Etcd3,
  keys: readonly Buffer[],
  limits: RequestLimits,
): Promise<IKeyValue[]> {
  const responses = await Promise.all(
    chunks(keys, limits.maxTxnOps).map((group) =>
      client.kv.txn({
        success: group.map((key) => ({ request_delete_range: { key, prev_kv: true } })),
      }),
    ),
  );
  return responses.flatMap((response) =>
    response.responses.flatMap((op) => op.response_delete_range.prev_kvs),
  );
}

/** Deletes every key starting with `prefix` in one range delete; `true` when there was any. */
export async function deletePrefix(client: Etcd3, prefix: Buffer): Promise<boolean> {
  const response = await client.kv.deleteRange({ key: prefix, range_end: prefixEnd(prefix) });
  return response.deleted !== "0";
}

/** The outcome of a write conditional on a key's `mod_revision`. */
export interface SwapOutcome {
  /** Whether the condition held and the write was applied. */
  written: boolean;
  /** When it was not: the key-value as it is now (`undefined` when the key is absent). */
  current: IKeyValue | undefined;
}

/**
 * Applies `write` only while the key's `mod_revision` is `modRevision` (`"0"`: the key is
 * absent), in one transaction that otherwise reads the key as it is now.
 */
export async function swapKey(
  client: Etcd3,
  key: Buffer,
  modRevision: string,
  write: IRequestOp,
): Promise<SwapOutcome> {
  const response = await client.kv.txn({
    compare: [{ key, target: "Mod", result: "Equal", mod_revision: modRevision }],
    success: [write],
    failure: [{ request_range: { key } }],
  });
  if (response.succeeded) return { written: true, current: undefined };
  return { written: false, current: response.responses[0]?.response_range.kvs[0] };
}

/**
 * Pages through the keys in `[start, end)` in key order, without their values, `pageSize` keys
 * per range request.
 */
export async function* scanKeys(
  client: Etcd3,
  start: Buffer,
  end: Buffer,
  pageSize: number,
): AsyncGenerator<IKeyValue[], void, undefined> {
  let from = start;
  for (;;) {
    const page = await client.kv.range({
      key: from,
      range_end: end,
      limit: pageSize,
      keys_only: true,
    });
    const last = page.kvs.at(-1);
    if (last === undefined) return;
    yield page.kvs;
    if (!page.more) return;
    from = Buffer.concat([last.key, Buffer.from([0])]);
  }
}

/** The items in groups of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let index = 0; index < items.length; index += size) {
    groups.push(items.slice(index, index + size));
  }
  return groups;
}

/** Puts in groups within both limits (each put is known to fit on its own). */
function bySize(puts: readonly IPutRequest[], limits: RequestLimits): IPutRequest[][] {
  const groups: IPutRequest[][] = [];
  let group: IPutRequest[] = [];
  let bytes = 0;
  for (const put of puts) {
    const size = requestSize(put.key, put.value);
    if (
      group.length === limits.maxTxnOps ||
      (group.length > 0 && bytes + size > limits.maxRequestBytes)
    ) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(put);
    bytes += size;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/** The bytes one put of this key and value adds to a request. */
export function requestSize(key: Buffer | undefined, value: Buffer | undefined): number {
  return (key?.length ?? 0) + (value?.length ?? 0) + OPERATION_OVERHEAD;
}
