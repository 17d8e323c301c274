import { once } from "node:events";
import { connect as connectSocket, Socket } from "node:net";
import type { CostProbe } from "./harness.ts";
import { connect, KEY_PREFIX, redisTarget } from "./suites/redis.ts";
import type { CallCost, Client, Entry } from "./types.ts";
import { SMALL_VALUE } from "./workloads.ts";

interface SocketTrace {
  writes: number;
  roundTrips: number;
  replied: boolean;
}

/**
 * Counts, around one call, the socket writes and round trips of every socket connected to the
 * Redis port except `ignored` ones. A round trip is a burst of writes after which the client
 * waited for a reply: a write that follows a reply on the same socket starts a new one.
 */
async function traceSockets(
  port: number,
  ignored: ReadonlySet<Socket>,
  call: () => Promise<unknown>,
): Promise<{ writes: number; roundTrips: number }> {
  const traces = new Map<Socket, SocketTrace>();
  const traced = (socket: Socket): SocketTrace | undefined => {
    if (ignored.has(socket) || socket.remotePort !== port) return undefined;
    let trace = traces.get(socket);
    if (trace === undefined) {
      trace = { writes: 0, roundTrips: 0, replied: true };
      traces.set(socket, trace);
    }
    return trace;
  };
  const prototype = Socket.prototype;
  const write = prototype.write;
  const emit = prototype.emit;
  const ownWrite = Object.hasOwn(prototype, "write");
  const ownEmit = Object.hasOwn(prototype, "emit");
  prototype.write = function (this: Socket, ...args: Parameters<Socket["write"]>) {
    const trace = traced(this);
    if (trace !== undefined) {
      trace.writes += 1;
      if (trace.replied) trace.roundTrips += 1;
      trace.replied = false;
    }
    return write.apply(this, args);
  } as Socket["write"];
  prototype.emit = function (this: Socket, event: string | symbol, ...args: unknown[]) {
    if (event === "data") {
      const trace = traced(this);
      if (trace !== undefined) trace.replied = true;
    }
    return Reflect.apply(emit, this, [event, ...args]) as boolean;
  } as Socket["emit"];
  try {
    await call();
  } finally {
    if (ownWrite) prototype.write = write;
    else Reflect.deleteProperty(prototype, "write");
    if (ownEmit) prototype.emit = emit;
    else Reflect.deleteProperty(prototype, "emit");
  }
  let writes = 0;
  let roundTrips = 0;
  for (const trace of traces.values()) {
    writes += trace.writes;
    roundTrips += trace.roundTrips;
  }
  return { writes, roundTrips };
}

interface Seen {
  source: string;
  database: string;
  args: string[];
}

/** One Redis command in RESP, for the raw monitor connection. */
function resp(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join("")}`;
}

/**
 * A raw `MONITOR` connection. ioredis' own `monitor()` can take the first monitored line for a
 * reply when both arrive in one packet, and then fails, so the feed is read here line by line:
 * `+<time> [<db> <client>] "<command>" "<arg>" …`.
 */
class MonitorFeed {
  /** What the server reported since the feed opened, in execution order. */
  readonly seen: Seen[] = [];
  /** The feed's socket, so the round-trip tracer can leave it out. */
  readonly socket: Socket;
  private buffer = "";
  private ready = false;

  private constructor(socket: Socket) {
    this.socket = socket;
  }

  static async open(url: URL): Promise<MonitorFeed> {
    const socket = connectSocket({ host: url.hostname, port: Number(url.port || 6379) });
    socket.on("error", () => {});
    await once(socket, "connect");
    socket.setEncoding("utf8");
    const feed = new MonitorFeed(socket);
    socket.on("data", (chunk: string) => feed.take(chunk));
    if (url.password !== "") {
      const user = decodeURIComponent(url.username);
      const password = decodeURIComponent(url.password);
      socket.write(resp(user === "" ? ["AUTH", password] : ["AUTH", user, password]));
    }
    socket.write(resp(["MONITOR"]));
    await waitFor(() => feed.ready);
    return feed;
  }

  close(): void {
    this.socket.destroy();
  }

  private take(chunk: string): void {
    this.buffer += chunk;
    for (let end = this.buffer.indexOf("\r\n"); end >= 0; end = this.buffer.indexOf("\r\n")) {
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      if (line === "+OK") this.ready = true;
      const match = /^\+\S+ \[(\d+) ([^\]]+)\] (.*)$/.exec(line);
      if (match === null) continue;
      const [, database = "", source = "", rest = ""] = match;
      const args = [...rest.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map(([, arg = ""]) => arg);
      this.seen.push({ source, database, args });
    }
  }
}

/**
 * Counts what single calls cost on a Redis server: the commands it executed (from `MONITOR`,
 * keeping only connections that touched the probe's keys in the bench's database), and the
 * socket writes and round trips of the client (from its sockets).
 */
export function redisCostProbe(): CostProbe {
  const { db, port } = redisTarget();
  let markers = 0;
  return async (_subject: string, client: Client) => {
    const many = Array.from({ length: 1000 }, (_, index) => `costs:${index}`);
    const manyEntries: Entry[] = many.map((name) => [name, SMALL_VALUE]);
    const names = many.slice(0, 100);
    const entries = manyEntries.slice(0, 100);
    await client.putMany(manyEntries);
    const calls: [string, () => Promise<unknown>][] = [
      ["get", () => client.get(names[0] ?? "")],
      ["put", () => client.put(names[0] ?? "", SMALL_VALUE)],
      ["put with TTL", () => client.putTtl(names[0] ?? "", SMALL_VALUE)],
      ["100 concurrent gets", () => Promise.all(names.map((name) => client.get(name)))],
      ["getMany(100)", () => client.getMany(names)],
      ["putMany(100)", () => client.putMany(entries)],
      ["putMany(100) with TTL", () => client.putManyTtl(entries)],
      ["getMany(1000)", () => client.getMany(many)],
      ["putMany(1000)", () => client.putMany(manyEntries)],
    ];
    const marker = connect();
    marker.on("error", () => {});
    await marker.ping();
    const feed = await MonitorFeed.open(new URL(redisTarget().url));
    const seen = feed.seen;
    const ignored = new Set<Socket>([feed.socket]);
    const stream = (marker as unknown as { stream?: unknown }).stream;
    if (stream instanceof Socket) ignored.add(stream);
    const costs: CallCost[] = [];
    try {
      const mark = async () => {
        const token = `${KEY_PREFIX}-marker-${process.pid}-${markers++}`;
        await marker.echo(token);
        await waitFor(() => seen.some(({ args }) => args[1] === token));
        return seen.findIndex(({ args }) => args[1] === token);
      };
      for (const [name, call] of calls) {
        await call();
        // MONITOR reports asynchronously: a marker on another connection closes each window.
        seen.splice(0, (await mark()) + 1);
        const { writes, roundTrips } = await traceSockets(port, ignored, call);
        const window = seen.slice(0, await mark());
        const mine = window.filter(({ database }) => database === String(db));
        const clients = new Set(
          mine
            .filter(({ source, args }) => source !== "lua" && args.some(touchesProbeKey))
            .map(({ source }) => source),
        );
        const commands = mine.filter(({ source }) => clients.has(source));
        const scripted = mine.filter(
          ({ source, args }) => source === "lua" && args.some(touchesProbeKey),
        );
        costs.push({
          call: name,
          commands: commands.length,
          scriptCommands: scripted.length,
          roundTrips,
          writes,
          detail: tally(commands.map(({ args }) => (args[0] ?? "?").toUpperCase())),
        });
      }
    } finally {
      feed.close();
      marker.disconnect();
    }
    return costs;
  };
}

function touchesProbeKey(arg: string): boolean {
  return arg.includes("costs:");
}

function tally(names: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts].map(([name, count]) => `${name}×${count}`).join(" ");
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("MONITOR did not report the marker command");
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
