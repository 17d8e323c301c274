import { type KeyValue, StoreError } from "@kv/protocol";

/** A rendered response, as the cache keeps it. */
export type CachedResponse = { status: number; contentType: string; body: string };

/** Options of `responseCache`. */
export interface ResponseCacheOptions {
  /** Seconds a response stays cached. @default 60 */
  ttl?: number;
  /** The collection responses are kept in. @default "http-responses" */
  collection?: string;
  /** Told about a cache failure; the request is then served uncached. @default ignore it */
  onCacheError?: (error: StoreError) => void;
}

/**
 * Caches successful responses by URL in whatever `KeyValue` the application passes in: a
 * `MemoryStore` in tests, Redis in production, a stack of wrappers ... A failing cache never
 * fails a request.
 */
export function responseCache(store: KeyValue, options: ResponseCacheOptions = {}) {
  const { ttl = 60, collection = "http-responses", onCacheError = () => {} } = options;
  const tolerate = (error: unknown): undefined => {
    if (!StoreError.isInstance(error)) throw error;
    onCacheError(error);
  };

  return async (url: string, render: () => Promise<CachedResponse>) => {
    const cached = await store.get(url, { collection }).catch(tolerate);
    if (isCachedResponse(cached)) return { response: cached, hit: true };
    const response = await render();
    if (response.status === 200)
      await store.put(url, response, { collection, ttl }).catch(tolerate);
    return { response, hit: false };
  };
}

function isCachedResponse(value: unknown): value is CachedResponse {
  const { status, contentType, body } = (value ?? {}) as Partial<Record<string, unknown>>;
  return typeof status === "number" && typeof contentType === "string" && typeof body === "string";
}
