import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { pipeline } from "node:stream/promises";
import { type BlobStore, MissingKeyError } from "@kv/blob";

/**
 * An upload service over any BlobStore: PUT /files/<name> streams the request body into the store
 * and answers with the file's id, GET /files/<id> streams it back, GET /files lists the ids.
 * Nothing is held in memory whatever the size: the body and the blob are streams.
 */
export function uploadService(store: BlobStore): Server {
  return createServer(async (request, response) => {
    try {
      const [, route, ...rest] = (request.url ?? "/").split("/");
      const name = decodeURIComponent(rest.join("/"));
      if (route !== "files") {
        response.writeHead(404).end();
      } else if (request.method === "PUT") {
        const id = `uploads/${randomUUID()}-${name.replace(/[^0-9a-zA-Z._-]/g, "_")}`;
        await store.put(id, request);
        response.writeHead(201, { "content-type": "text/plain" }).end(id);
      } else if (name === "") {
        const ids: string[] = [];
        for await (const id of store.iterateKeys({ prefix: "uploads/" })) ids.push(id);
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(ids));
      } else {
        const blob = await store.open(name);
        response.writeHead(200, { "content-type": "application/octet-stream" });
        await pipeline(blob, response);
      }
    } catch (error) {
      if (MissingKeyError.isInstance(error)) response.writeHead(404).end();
      else if (!response.headersSent) response.writeHead(500).end(String(error));
      else response.destroy(error as Error);
    }
  });
}
