import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { KeyValue } from "@kv/protocol";
import { type CachedResponse, type ResponseCacheOptions, responseCache } from "./response-cache.ts";

/**
 * A small HTTP service on 127.0.0.1 (an ephemeral port): `GET /greet?name=Ada` renders a
 * greeting, and every response goes through a cache kept in `store`.
 */
export async function startService(store: KeyValue, options: ResponseCacheOptions = {}) {
  const cached = responseCache(store, { ttl: 30, ...options });
  let renders = 0;

  const render = async (url: URL): Promise<CachedResponse> => {
    renders += 1;
    if (url.pathname !== "/greet") return { status: 404, contentType: "text/plain", body: "" };
    const greeting = `Hello, ${url.searchParams.get("name") ?? "world"}!`;
    const body = JSON.stringify({ greeting, render: renders });
    return { status: 200, contentType: "application/json", body };
  };

  const handle = async (request: IncomingMessage, reply: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? "/", "http://localhost");
    const { response, hit } = await cached(url.pathname + url.search, () => render(url));
    reply.writeHead(response.status, {
      "content-type": response.contentType,
      "x-cache": hit ? "hit" : "miss",
    });
    reply.end(response.body);
  };

  const server = createServer((request, reply) => {
    handle(request, reply).catch(() => reply.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    renders: () => renders,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
