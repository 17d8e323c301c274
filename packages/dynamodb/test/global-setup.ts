import type { AddressInfo } from "node:net";
import dynalite from "dynalite";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** The URL of the DynamoDB-compatible server the tests use. */
    dynamodbEndpoint: string;
  }
}

/**
 * Starts dynalite (the DynamoDB API over an in-memory LevelDB) on an ephemeral loopback port, or
 * uses the server at KV_DYNAMODB_URL when it is set (DynamoDB Local, for example).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.KV_DYNAMODB_URL;
  if (external !== undefined && external !== "") {
    project.provide("dynamodbEndpoint", external);
    return async () => {};
  }
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  project.provide("dynamodbEndpoint", `http://127.0.0.1:${port}`);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}
