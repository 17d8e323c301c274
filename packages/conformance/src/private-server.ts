import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freeLoopbackPort } from "./helpers.ts";

/** How to run a server process of a test's own. */
export interface PrivateServerOptions {
  /** The program, found on `PATH` (`"redis-server"`, `"memcached"` ...). */
  readonly command: string;
  /**
   * The program's arguments for its loopback port and working directory, asked once. It may write
   * what they name (a configuration file, a certificate) into `directory`.
   */
  readonly args: (port: number, directory: string) => readonly string[];
  /** The scheme of `url`: `"redis"` gives `redis://127.0.0.1:<port>`. */
  readonly scheme: string;
  /** Whether the server on `port` answers yet. @default it accepts a TCP connection */
  readonly ready?: ((port: number) => Promise<boolean>) | undefined;
}

const POLL_MS = 50;
const POLLS = 200;

/**
 * A server process of one test's own on a free loopback port, in a temporary working directory:
 * started, stopped by its pid and started again on the same port, for the tests that stop a
 * server or change its configuration. Never the shared servers of `scripts/services/`.
 */
export class PrivateServer {
  /** The loopback port the server listens on, the same across restarts. */
  readonly port: number;
  /** The server's working directory, removed by `dispose()`. */
  readonly directory: string;
  readonly #command: string;
  readonly #args: readonly string[];
  readonly #ready: (port: number) => Promise<boolean>;
  readonly #scheme: string;
  #child: ChildProcess | undefined;

  private constructor(port: number, options: PrivateServerOptions) {
    this.port = port;
    this.directory = mkdtempSync(join(tmpdir(), `kv-${options.command}-`));
    this.#command = options.command;
    this.#args = options.args(port, this.directory);
    this.#ready = options.ready ?? acceptsConnections;
    this.#scheme = options.scheme;
  }

  /**
   * Starts a server on a free port and waits until it is ready.
   * @throws Error when it exits or is not ready within 10 s
   */
  static async start(options: PrivateServerOptions): Promise<PrivateServer> {
    const server = new PrivateServer(await freeLoopbackPort(), options);
    await server.start();
    return server;
  }

  /** `<scheme>://127.0.0.1:<port>`. */
  get url(): string {
    return `${this.#scheme}://127.0.0.1:${this.port}`;
  }

  /** The pid of the running server. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /**
   * Starts the server (again) on the same port and waits until it is ready.
   * @throws Error when it is running already, exits, or is not ready within 10 s
   */
  async start(): Promise<void> {
    if (this.#child !== undefined) throw new Error(`${this.#command} is already running`);
    const child = spawn(this.#command, this.#args, { cwd: this.directory, stdio: "ignore" });
    this.#child = child;
    let failure: Error | undefined;
    child.once("error", (error) => {
      failure = error;
    });
    child.once("exit", (code) => {
      failure ??= new Error(`${this.#command} exited with code ${code} before it was ready`);
    });
    for (let poll = 0; poll < POLLS && failure === undefined; poll++) {
      if (await this.#ready(this.port)) return;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    await this.stop();
    throw failure ?? new Error(`${this.#command} was not ready on port ${this.port}`);
  }

  /** Stops the server by its pid (SIGTERM) and waits until it has exited. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, "exit");
    process.kill(child.pid, "SIGTERM");
    await exited;
  }

  /** Stops the server and removes its working directory. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.directory, { recursive: true, force: true });
  }
}

/** Whether something accepts a TCP connection on the loopback `port`. */
function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
