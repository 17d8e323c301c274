import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type AttributeValue,
  DynamoDBClient,
  type DynamoDBClientConfig,
  GetItemCommand,
} from "@aws-sdk/client-dynamodb";
import { inject } from "vitest";

/** The DynamoDB-compatible server started by the global setup. */
export const endpoint: string = inject("dynamodbEndpoint");

/** Connection options for the test server (any region and credentials are accepted). */
export const connection: {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
} = {
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "test", secretAccessKey: "test" },
};

/** A table name no other test uses (DynamoDB wants 3 to 255 characters). */
export function freshTable(label: string): string {
  return `kv-${label}-${randomUUID().slice(0, 8)}`;
}

/** A client of the test server, or of `url` (a proxy in front of it). */
export function makeClient(
  url: string = endpoint,
  config: DynamoDBClientConfig = {},
): DynamoDBClient {
  return new DynamoDBClient({ ...connection, endpoint: url, ...config });
}

/** One command the client sent, as the store built it. */
export interface SentCommand {
  name: string;
  input: Record<string, unknown>;
}

/** Records every command the client sends (before the SDK's own retries), with its input. */
export function recordCommands(client: DynamoDBClient): {
  sent: SentCommand[];
  count: (name: string) => number;
} {
  const sent: SentCommand[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push({
        name: context.commandName ?? "unknown",
        input: structuredClone(args.input) as Record<string, unknown>,
      });
      return next(args);
    },
    { step: "initialize", name: "recordCommands" },
  );
  return { sent, count: (name) => sent.filter((command) => command.name === name).length };
}

/** Runs `action` before each command called `name` that the client sends. */
export function beforeCommand(
  client: DynamoDBClient,
  name: string,
  action: () => Promise<void>,
): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === name) await action();
      return next(args);
    },
    { step: "initialize", name: `before${name}` },
  );
}

/** The item as stored, read with a strongly consistent `GetItem`. */
export async function rawItem(
  client: DynamoDBClient,
  tableName: string,
  collection: string,
  key: string,
): Promise<Record<string, AttributeValue> | undefined> {
  const { Item } = await client.send(
    new GetItemCommand({
      TableName: tableName,
      Key: { collection: { S: collection }, key: { S: key } },
      ConsistentRead: true,
    }),
  );
  return Item;
}

type Json = Record<string, unknown>;

/** What the proxy does with one request. */
export interface Interception {
  /** Forwards this body instead of the client's. */
  request?: Json;
  /** Rewrites the server's answer before the client sees it. */
  response?: (body: Json) => Json;
  /** Answers with this instead of forwarding. */
  reply?: { status: number; body: Json };
}

/** Decides, per request, what the proxy does: `undefined` forwards it unchanged. */
export type Interceptor = (operation: string, body: Json) => Interception | undefined;

/** An HTTP proxy in front of the test server that can rewrite requests and answers. */
export interface TestProxy {
  /** The proxy's URL, to use as a client's endpoint. */
  readonly endpoint: string;
  /** How many HTTP requests of each operation reached the proxy (SDK retries included). */
  count(operation: string): number;
  close(): Promise<void>;
}

/** Starts a proxy on an ephemeral loopback port in front of `target`. */
export async function startProxy(
  intercept: Interceptor,
  target: string = endpoint,
): Promise<TestProxy> {
  const counts = new Map<string, number>();
  const server = createServer((incoming, outgoing) => {
    handle(incoming, outgoing).catch((error: unknown) => {
      outgoing.writeHead(502);
      outgoing.end(String(error));
    });
  });
  const handle = async (incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const piece of incoming) chunks.push(piece as Buffer);
    const raw = Buffer.concat(chunks);
    const operation = String(incoming.headers["x-amz-target"] ?? "").split(".")[1] ?? "";
    counts.set(operation, (counts.get(operation) ?? 0) + 1);
    const plan = intercept(operation, raw.length > 0 ? (JSON.parse(raw.toString()) as Json) : {});
    if (plan?.reply !== undefined) return answer(outgoing, plan.reply.status, plan.reply.body);
    const body = plan?.request === undefined ? raw : Buffer.from(JSON.stringify(plan.request));
    const upstream = await forward(target, incoming, body);
    if (plan?.response === undefined) {
      outgoing.writeHead(upstream.status, upstream.headers);
      outgoing.end(upstream.body);
      return;
    }
    answer(outgoing, upstream.status, plan.response(JSON.parse(upstream.body.toString()) as Json));
  };
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    count: (operation) => counts.get(operation) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function answer(outgoing: ServerResponse, status: number, body: Json): void {
  const text = JSON.stringify(body);
  outgoing.writeHead(status, {
    "content-type": "application/x-amz-json-1.0",
    "content-length": Buffer.byteLength(text),
    "x-amzn-requestid": randomUUID(),
  });
  outgoing.end(text);
}

function forward(
  target: string,
  incoming: IncomingMessage,
  body: Buffer,
): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (typeof value === "string" && name !== "host" && name !== "content-length") {
      headers[name] = value;
    }
  }
  headers["content-length"] = String(body.length);
  return new Promise((resolve, reject) => {
    const upstream = request(
      new URL(incoming.url ?? "/", target),
      { method: incoming.method, headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (piece: Buffer) => chunks.push(piece));
        response.on("error", reject);
        response.on("end", () => {
          const passed: Record<string, string> = {};
          for (const [name, value] of Object.entries(response.headers)) {
            if (typeof value === "string" && name !== "connection") passed[name] = value;
          }
          resolve({
            status: response.statusCode ?? 502,
            headers: passed,
            body: Buffer.concat(chunks),
          });
        });
      },
    );
    upstream.on("error", reject);
    upstream.end(body);
  });
}
