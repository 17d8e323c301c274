import { hasNetworkErrorCode, StoreConfigurationError } from "@kv/protocol";
import type { Cluster, Redis } from "ioredis";

/** How the store bounds the time of its calls. */
export interface Limits {
  /** A call with no answer by then fails with "Command timed out"; none when undefined. */
  readonly deadlineMs: number | undefined;
  /**
   * Set for clients the store owns: how long the first call waits for a connection. While the
   * connection is known to be down, calls fail at once instead. Undefined for borrowed clients.
   */
  readonly connectTimeoutMs: number | undefined;
}

/**
 * Sends the store's commands within its `Limits`. Over a client the store owns, commands go out
 * only on a ready connection: a call made before the first connection waits for it (up to
 * `connectTimeoutMs`, or until the attempt fails); while the connection is known to be down (an
 * attempt failed or timed out, or it dropped) every call fails at once with the connection's
 * error, and ioredis keeps reconnecting in the background. A database the server refuses fails
 * every call with `StoreConfigurationError`.
 */
export class Connection {
  private readonly client: Redis | Cluster;
  private readonly limits: Limits;
  /** Why the connection is down, from the failure until the client is ready again. */
  private down: Error | undefined;
  private lastError: Error | undefined;
  private refused: StoreConfigurationError | undefined;
  private connecting: Promise<void> | undefined;
  private readonly keepers: ReturnType<typeof setInterval>[] = [];

  constructor(client: Redis | Cluster, limits: Limits) {
    this.client = client;
    this.limits = limits;
    this.keepTimerLists();
    if (limits.connectTimeoutMs === undefined) return;
    // Failures reach callers as rejected calls; without a listener ioredis would log them too.
    client.on("error", (error: Error) => this.failed(error));
    // A Cluster reports why a node cannot be reached only as a "node error".
    client.on("node error", (error: Error) => {
      this.lastError = error;
    });
    client.on("close", () => {
      this.down = this.lastError ?? closedError();
    });
    client.on("ready", () => {
      this.down = undefined;
      this.lastError = undefined;
    });
  }

  /**
   * True when a command may be sent at once and as it is: no deadline to add, and the connection
   * ready (or, for a borrowed client, not watched). Otherwise send through `run`.
   */
  get open(): boolean {
    if (this.limits.deadlineMs !== undefined) return false;
    if (this.limits.connectTimeoutMs === undefined) return true;
    const status = this.client.status;
    return (status === "ready" || status === "end") && this.refused === undefined;
  }

  /** Stops what the connection keeps running; the client itself is left as it is. */
  stop(): void {
    for (const keeper of this.keepers.splice(0)) clearInterval(keeper);
  }

  /**
   * Node keeps one list of timers per duration and drops it, with a native call, each time it
   * empties, so a timer armed and cleared for every command (ioredis' `commandTimeout`, the
   * deadline) rebuilds that list every time on a connection with one command in flight. An idle
   * timer of the same duration, pending while the store is open, keeps the list.
   */
  private keepTimerLists(): void {
    const options = this.client.options as {
      commandTimeout?: unknown;
      redisOptions?: { commandTimeout?: unknown };
    };
    const durations = new Set([
      options.commandTimeout ?? options.redisOptions?.commandTimeout,
      this.limits.deadlineMs,
    ]);
    for (const duration of durations) {
      if (typeof duration !== "number" || !(duration > 0)) continue;
      this.keepers.push(setInterval(idle, duration).unref());
    }
  }

  /** Sends a command now, after the first connection, or not at all while known down. */
  run<T>(send: () => Promise<T>): Promise<T> {
    if (this.limits.connectTimeoutMs === undefined) return this.within(send());
    if (this.refused !== undefined) return Promise.reject(this.refused);
    const status = this.client.status;
    if (status === "ready" || status === "end") return this.within(send());
    if (this.down !== undefined) return Promise.reject(this.down);
    return this.whenReady(this.limits.connectTimeoutMs).then(() => this.within(send()));
  }

  private failed(error: Error): void {
    redactCredentials(error);
    const command = (error as { command?: { name?: unknown; args?: unknown[] } }).command;
    if (command?.name === "select") {
      const db = String(command.args?.[0]);
      this.refused = new StoreConfigurationError({
        message: `The server refused database ${db} (${error.message})`,
        cause: error,
      });
      this.client.disconnect();
      return;
    }
    this.lastError = error;
    if (this.client.status !== "ready") this.down = error;
  }

  /** Resolves when the client is ready; rejects when the attempt fails or takes too long. */
  private whenReady(timeoutMs: number): Promise<void> {
    this.connecting ??= new Promise<void>((resolve, reject) => {
      const client = this.client;
      let settled = false;
      const settle = (error: Error | undefined) => {
        if (settled) return;
        settled = true;
        this.connecting = undefined;
        clearTimeout(timer);
        client.off("ready", ready).off("close", fail).off("end", fail).off("error", fail);
        if (error === undefined) resolve();
        else reject(error);
      };
      const ready = () => settle(undefined);
      const fail = () => settle(this.refused ?? this.down ?? this.lastError ?? closedError());
      const timer = setTimeout(() => {
        this.down = Object.assign(new Error(`No connection within ${timeoutMs} ms`), {
          code: "ETIMEDOUT",
        });
        settle(this.down);
      }, timeoutMs);
      client.on("ready", ready).on("close", fail).on("end", fail).on("error", fail);
      if (client.status === "wait") client.connect().catch(() => {});
    });
    return this.connecting;
  }

  /** The promise, or a rejection once the deadline passes without an answer. */
  private within<T>(promise: Promise<T>): Promise<T> {
    const { deadlineMs } = this.limits;
    if (deadlineMs === undefined) return promise;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("Command timed out")), deadlineMs);
      promise.then(
        (result) => {
          clearTimeout(timer);
          resolve(result);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }
}

function idle(): void {}

function closedError(): Error {
  return new Error("Connection is closed.");
}

/** ioredis puts a failed command's arguments on its error: blanks those of AUTH and HELLO. */
export function redactCredentials(error: unknown): void {
  if (typeof error !== "object" || error === null) return;
  const command = (error as { command?: { name?: unknown; args?: unknown[] } }).command;
  if (command?.name === "auth" || command?.name === "hello") command.args = ["***"];
}

const transient =
  /^(LOADING|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|READONLY|BUSY)\b|Command timed out|Connection is closed|Stream isn't writeable|Cluster isn't ready|Cluster is ended|None of startup nodes|Failed to refresh slots cache|Too many Cluster redirections/;

/** True for failures that mean the server could not be reached or answered too late. */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (hasNetworkErrorCode(error)) return true;
  if (error.name === "MaxRetriesPerRequestError" || error.name === "ClusterAllFailedError") {
    return true;
  }
  return transient.test(error.message);
}
