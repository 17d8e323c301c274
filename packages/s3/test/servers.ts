import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { rejection } from "@kv/conformance";
import type { StoreError } from "@kv/protocol";

/** A loopback HTTP server; returns its URL and a function that closes it. */
async function listen(server: Server): Promise<{ url: string; close: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A server that answers every request with one S3 error (for the error-mapping tests). */
export function answering(
  status: number,
  code: string,
): Promise<{ url: string; close: () => Promise<void> }> {
  const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code} from the test server</Message></Error>`;
  return listen(
    createServer((incoming, outgoing) => {
      incoming.resume();
      outgoing.writeHead(status, { "content-type": "application/xml" }).end(body);
    }),
  );
}

/** Store options that point a store at a test server, with one attempt per call (no retries). */
export interface FailingEndpoint {
  endpoint: string;
  clientConfig: { maxAttempts: number };
}

/**
 * The error `call` fails with while a server answers every request with the S3 error `code`
 * (HTTP `status`); `call` gets the options that point a store at that server, which is closed
 * afterwards. @throws when `call` succeeds
 */
export async function errorWhileAnswering(
  status: number,
  code: string,
  call: (failing: FailingEndpoint) => Promise<unknown>,
): Promise<StoreError> {
  const server = await answering(status, code);
  try {
    const failing = { endpoint: server.url, clientConfig: { maxAttempts: 1 } };
    return (await rejection(call(failing))) as StoreError;
  } finally {
    await server.close();
  }
}

/**
 * A proxy to a real S3 server that drops `If-Match` and `If-None-Match` from every request, as a
 * server that ignores conditional requests would.
 */
export function ignoringConditions(
  target: string,
): Promise<{ url: string; close: () => Promise<void> }> {
  const { hostname, port } = new URL(target);
  return listen(
    createServer((incoming, outgoing) => {
      const { "if-match": _match, "if-none-match": _noneMatch, ...headers } = incoming.headers;
      const forwarded = request(
        { host: hostname, port, method: incoming.method, path: incoming.url, headers },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
        },
      );
      incoming.pipe(forwarded);
    }),
  );
}
