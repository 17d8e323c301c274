import { type KeyValue, typed } from "@kv/protocol";

/** What a counter's entry holds: values are JSON objects, so the number is wrapped. */
export interface Count {
  count: number;
}

/**
 * Adds to a counter with a `get` and then a `put`. Two callers that read before either writes
 * both write their own sum, and one addition is lost. Shown for what not to do.
 */
export async function racyAdd(store: KeyValue, key: string, amount: number): Promise<number> {
  const counts = typed<Count>(store);
  const count = ((await counts.get(key))?.count ?? 0) + amount;
  await counts.put(key, { count });
  return count;
}
