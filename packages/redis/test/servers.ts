import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
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

/** A loopback port nothing listens on (at the time of asking). */
export async function freePort(): Promise<number> {
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
  /** The self-signed certificate (PEM) of a TLS server. */
  readonly certificate: string | undefined;
  private readonly dir: string;
  private readonly args: readonly string[];
  private child: ChildProcess | undefined;

  private constructor(port: number, extraArgs: readonly string[], tls: boolean) {
    this.port = port;
    this.dir = mkdtempSync(join(tmpdir(), "kv-redis-test-"));
    const base = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", this.dir];
    if (tls) {
      const cert = join(this.dir, "cert.pem");
      const key = join(this.dir, "key.pem");
      execFileSync(
        "openssl",
        [
          ...[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
          ],
          ...["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
        ],
        { stdio: "ignore" },
      );
      this.certificate = readFileSync(cert, "utf8");
      base.push("--port", "0", "--tls-port", String(port), "--tls-cert-file", cert);
      base.push("--tls-key-file", key, "--tls-ca-cert-file", cert, "--tls-auth-clients", "no");
    } else {
      base.push("--port", String(port));
    }
    this.args = [...base, ...extraArgs];
  }

  /** Starts a server on a free port; with `tls`, it speaks TLS only, with a self-signed certificate. */
  static async start(
    extraArgs: readonly string[] = [],
    { tls = false }: { tls?: boolean } = {},
  ): Promise<PrivateRedis> {
    const server = new PrivateRedis(await freePort(), extraArgs, tls);
    await server.start();
    return server;
  }

  /** Starts a one-node Redis Cluster owning every slot, and waits for `cluster_state:ok`. */
  static async startCluster(): Promise<PrivateRedis> {
    const server = await PrivateRedis.start([
      ...["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"],
      ...["--cluster-announce-ip", "127.0.0.1"],
    ]);
    const admin = new Redis(server.port, "127.0.0.1");
    await admin.call("CLUSTER", "ADDSLOTSRANGE", "0", "16383");
    for (let attempt = 0; attempt < 100; attempt++) {
      if (String(await admin.call("CLUSTER", "INFO")).includes("cluster_state:ok")) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    admin.disconnect();
    return server;
  }

  /** The server's URL (`rediss://` for a TLS server). */
  get url(): string {
    return `${this.certificate === undefined ? "redis" : "rediss"}://127.0.0.1:${this.port}`;
  }

  /** The pid of the running server. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts (again) on the same port and waits until it answers PING. */
  async start(): Promise<void> {
    this.child = spawn("redis-server", this.args, { stdio: "ignore" });
    const probe = new Redis(this.port, "127.0.0.1", {
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
      ...(this.certificate === undefined ? {} : { tls: { ca: this.certificate } }),
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
