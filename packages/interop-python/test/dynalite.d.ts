declare module "dynalite" {
  import type { Server } from "node:http";

  /** An in-memory DynamoDB-compatible HTTP server (not listening yet). */
  export default function dynalite(options?: { createTableMs?: number }): Server;
}
