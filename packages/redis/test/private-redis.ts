import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PrivateServer } from "@kv/conformance";
import { Redis } from "ioredis";

/** Writes a self-signed certificate for 127.0.0.1 into `directory`; returns the paths and the PEM. */
function selfSignedCertificate(directory: string): { cert: string; key: string; pem: string } {
  const cert = join(directory, "cert.pem");
  const key = join(directory, "key.pem");
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"],
      ...["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
    ],
    { stdio: "ignore" },
  );
  return { cert, key, pem: readFileSync(cert, "utf8") };
}

/** Whether the server on `port` answers `PING` (over TLS when given its certificate). */
async function answersPing(port: number, certificate: string | undefined): Promise<boolean> {
  const probe = new Redis(port, "127.0.0.1", {
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    ...(certificate === undefined ? {} : { tls: { ca: certificate } }),
  });
  probe.on("error", () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/**
 * A redis-server of the test's own on a free loopback port, started and stopped by pid, for the
 * tests that stop a server or change its configuration. Never the shared one.
 */
export class PrivateRedis {
  /** The self-signed certificate (PEM) of a TLS server. */
  readonly certificate: string | undefined;
  private readonly server: PrivateServer;

  private constructor(server: PrivateServer, certificate: string | undefined) {
    this.server = server;
    this.certificate = certificate;
  }

  /** Starts a server on a free port; with `tls`, it speaks TLS only, with a self-signed certificate. */
  static async start(
    extraArgs: readonly string[] = [],
    { tls = false }: { tls?: boolean } = {},
  ): Promise<PrivateRedis> {
    let certificate: string | undefined;
    const server = await PrivateServer.start({
      command: "redis-server",
      scheme: tls ? "rediss" : "redis",
      args: (port, directory) => {
        const args = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
        if (!tls) return [...args, "--port", String(port), ...extraArgs];
        const { cert, key, pem } = selfSignedCertificate(directory);
        certificate = pem;
        args.push("--port", "0", "--tls-port", String(port), "--tls-cert-file", cert);
        args.push("--tls-key-file", key, "--tls-ca-cert-file", cert, "--tls-auth-clients", "no");
        return [...args, ...extraArgs];
      },
      ready: (port) => answersPing(port, certificate),
    });
    return new PrivateRedis(server, certificate);
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

  /** The loopback port, the same across restarts. */
  get port(): number {
    return this.server.port;
  }

  /** The server's URL (`rediss://` for a TLS server). */
  get url(): string {
    return this.server.url;
  }

  /** Starts (again) on the same port and waits until it answers PING. */
  start(): Promise<void> {
    return this.server.start();
  }

  /** Stops the server by its pid (SIGTERM) and waits for it to exit. */
  stop(): Promise<void> {
    return this.server.stop();
  }

  /** Stops the server and removes its directory. */
  dispose(): Promise<void> {
    return this.server.dispose();
  }
}
