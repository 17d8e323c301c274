import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { connect } from "node:net";
import { freeLoopbackPort } from "@kv/conformance";

/** A memcached process of one test's own, on a free loopback port, for stopping and restarting. */
export class PrivateMemcached {
  readonly port: number;
  private child: ChildProcess | undefined;

  private constructor(port: number) {
    this.port = port;
  }

  /** Starts a server on a free port and waits until it accepts connections. */
  static async start(): Promise<PrivateMemcached> {
    const server = new PrivateMemcached(await freeLoopbackPort());
    await server.start();
    return server;
  }

  /** `memcached://127.0.0.1:<port>`. */
  get url(): string {
    return `memcached://127.0.0.1:${this.port}`;
  }

  /** Starts the process again on the same port. */
  async start(): Promise<void> {
    const user = process.getuid?.() === 0 ? ["-u", "nobody"] : [];
    const args = ["-l", "127.0.0.1", "-p", String(this.port), "-U", "0", "-m", "16", ...user];
    const child = spawn("memcached", args, { stdio: "ignore" });
    this.child = child;
    for (let attempt = 0; attempt < 100; attempt++) {
      if (child.exitCode !== null) throw new Error(`memcached exited with ${child.exitCode}`);
      if (await accepts(this.port)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`memcached did not accept connections on ${this.port}`);
  }

  /** Stops the process and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null) return;
    child.kill("SIGTERM");
    await once(child, "exit");
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
