import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { type BlobStore, InvalidBlobKeyError, MissingKeyError, supportsUrlFor } from "@kv/blob";

/**
 * An HTTP service over any blob store, streaming both ways (no upload is held in memory):
 * `PUT /files/<key>` stores the request body, `GET /files/<key>` sends it back,
 * `DELETE /files/<key>` removes it, `GET /files?prefix=` lists keys as JSON, and
 * `GET /links/<key>` answers `{ url }` where the store can give a URL (presigned on S3).
 */
export function uploadService(store: BlobStore): Server {
  return createServer((request, response) => {
    handle(store, request, response).catch((error: unknown) => {
      const status = InvalidBlobKeyError.isInstance(error)
        ? 400
        : MissingKeyError.isInstance(error)
          ? 404
          : 500;
      if (!response.headersSent) response.writeHead(status).end(String(error));
      else response.destroy();
    });
  });
}

async function handle(
  store: BlobStore,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? "/", "http://localhost");
  const [, area = "", ...rest] = url.pathname.split("/");
  const key = decodeURIComponent(rest.join("/"));
  if (area === "files" && key === "" && request.method === "GET") {
    const keys = await store.keys({ prefix: url.searchParams.get("prefix") ?? "" });
    sendJson(response, 200, keys.sort());
  } else if (area === "files" && request.method === "PUT") {
    await store.put(key, request);
    response.writeHead(201).end();
  } else if (area === "files" && request.method === "GET") {
    const blob = await store.open(key);
    response.writeHead(200, { "content-type": "application/octet-stream" });
    await pipeline(blob, response);
  } else if (area === "files" && request.method === "DELETE") {
    response.writeHead((await store.delete(key)) ? 204 : 404).end();
  } else if (area === "links" && request.method === "GET" && supportsUrlFor(store)) {
    sendJson(response, 200, { url: await store.urlFor(key) });
  } else {
    response.writeHead(404).end();
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}
