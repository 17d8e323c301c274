import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";

/** The shared standalone server (scripts/services/redis.sh). */
export function redisUrl(): string {
  return process.env.KV_REDIS_URL ?? "redis://127.0.0.1:6390";
}

/** The shared standalone server, database `db`. */
export function redisDbUrl(db: number): string {
  const url = new URL(redisUrl());
  url.pathname = `/${db}`;
  return url.toString();
}

/** The shared Cluster's startup nodes (scripts/services/redis-cluster.sh). */
export function clusterNodes(): string[] {
  const nodes =
    process.env.KV_REDIS_CLUSTER_NODES ?? "127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103";
  return nodes.split(",").map((node) => node.trim());
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address !== null
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

/**
 * A redis-server of the test's own on a free loopback port, started and stopped by pid, for the
 * tests that stop a server or change its configuration. Never the shared one.
 */
export class PrivateRedis {
  readonly port: number;
  private readonly dir: string;
  private readonly extraArgs: readonly string[];
  private child: ChildProcess | undefined;

  private constructor(port: number, extraArgs: readonly string[]) {
    this.port = port;
    this.extraArgs = extraArgs;
    this.dir = mkdtempSync(join(tmpdir(), "kv-redis-test-"));
  }

  /** Starts a server on a free port. */
  static async start(extraArgs: readonly string[] = []): Promise<PrivateRedis> {
    const server = new PrivateRedis(await freePort(), extraArgs);
    await server.start();
    return server;
  }

  /** The server's URL. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** The pid of the running server. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts (again) on the same port and waits until it answers PING. */
  async start(): Promise<void> {
    const args = [
      "--bind",
      "127.0.0.1",
      "--port",
      String(this.port),
      "--save",
      "",
      "--appendonly",
      "no",
    ];
    this.child = spawn("redis-server", [...args, "--dir", this.dir, ...this.extraArgs], {
      stdio: "ignore",
    });
    const probe = new Redis(this.port, "127.0.0.1", {
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
    });
    probe.on("error", () => {});
    try {
      for (let attempt = 0; attempt < 200; attempt++) {
        try {
          await probe.connect();
          if ((await probe.ping()) === "PONG") return;
        } catch {
          probe.disconnect();
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      throw new Error(`redis-server on port ${this.port} did not start`);
    } finally {
      probe.disconnect();
    }
  }

  /** Stops the server by its pid (SIGTERM) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }

  /** Stops the server and removes its directory. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
