import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Cache, FactoryTimeoutError } from "@kv/cache";
import type { Upstream } from "./upstream.ts";

/**
 * `GET /products/<id>`: the product from the cache, or from the slow upstream on a miss. However
 * many requests for one product arrive together, the upstream is called once: once per process
 * on any store, once across every server sharing the store when it has `putIfAbsent` (Redis).
 */
export function productHandler(cache: Cache, upstream: Upstream) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const id = /^\/products\/(\w+)$/.exec(request.url ?? "")?.[1];
    if (request.method !== "GET" || id === undefined) {
      response.writeHead(404).end();
      return;
    }
    try {
      const product = await cache.getOrSet(
        `product:${id}`,
        ({ signal }) => upstream.fetchProduct(id, signal),
        { ttl: "5m", collection: "products", hardTimeoutMs: 5_000 },
      );
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(product));
    } catch (error) {
      // A slow upstream is a 504; the call goes on and its value is cached for the next request.
      response.writeHead(FactoryTimeoutError.isInstance(error) ? 504 : 502).end();
    }
  };
}

/** A running server: its base URL, and `close()`. */
export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** Serves `productHandler` on a free port of 127.0.0.1. */
export async function startServer(cache: Cache, upstream: Upstream): Promise<RunningServer> {
  const handle = productHandler(cache, upstream);
  const server = createServer((request, response) => {
    void handle(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}
