import { need } from "../capability.ts";
import type { CommandContext } from "../context.ts";
import { positiveInteger } from "../numbers.ts";
import { withStores } from "../with-stores.ts";

/** Options of keys. */
export interface KeysCommandOptions {
  collection?: string | undefined;
  limit?: string | undefined;
}

/** `kv keys URL`: every key of a collection (or the first `--limit`), one a line, streamed. */
export async function keys(
  url: string,
  options: KeysCommandOptions,
  { output }: CommandContext,
): Promise<void> {
  const limit = options.limit === undefined ? Infinity : positiveInteger(options.limit, "--limit");
  await withStores([url], async (store) => {
    need("keys", store, "keys", "list keys");
    let count = 0;
    for await (const key of store.iterateKeys({ collection: options.collection })) {
      if (output.json) await output.record({ key });
      else await output.line(key);
      if (++count >= limit) break;
    }
  });
}

/** `kv collections URL`: every collection holding an entry, one a line. */
export async function collections(url: string, { output }: CommandContext): Promise<void> {
  await withStores([url], async (store) => {
    need("collections", store, "collections", "list collections");
    for await (const collection of store.iterateCollections()) {
      if (output.json) await output.record({ collection });
      else await output.line(collection);
    }
  });
}

/** `kv cull URL`: removes expired entries the backend still keeps. */
export async function cull(url: string, { output }: CommandContext): Promise<void> {
  const started = performance.now();
  await withStores([url], async (store) => {
    need("cull", store, "cull", "remove expired entries on request");
    await store.cull();
  });
  const elapsedMs = Math.round(performance.now() - started);
  if (output.json) await output.record({ culled: true, elapsedMs });
  else await output.line(`removed the expired entries (${elapsedMs} ms)`);
}
