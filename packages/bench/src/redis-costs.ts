import { Socket } from "node:net";
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

/**
 * Counts what single calls cost on a Redis server: the commands it executed (from `MONITOR`,
 * keeping only connections that touched the probe's keys in the bench's database), and the
 * socket writes and round trips of the client (from its sockets).
 */
export function redisCostProbe(): CostProbe {
  const { db, port } = redisTarget();
  let markers = 0;
  return async (_subject: string, client: Client) => {
    const names = Array.from({ length: 100 }, (_, index) => `costs:${index}`);
    const entries: Entry[] = names.map((name) => [name, SMALL_VALUE]);
    await client.putMany(entries);
    const calls: [string, () => Promise<unknown>][] = [
      ["get", () => client.get(names[0] ?? "")],
      ["put", () => client.put(names[0] ?? "", SMALL_VALUE)],
      ["put with TTL", () => client.putTtl(names[0] ?? "", SMALL_VALUE)],
      ["100 concurrent gets", () => Promise.all(names.map((name) => client.get(name)))],
      ["getMany(100)", () => client.getMany(names)],
      ["putMany(100)", () => client.putMany(entries)],
      ["putMany(100) with TTL", () => client.putManyTtl(entries)],
    ];
    const marker = connect();
    const monitorHost = connect();
    const monitor = await monitorHost.monitor();
    await marker.ping();
    const ignored = new Set<Socket>();
    for (const redis of [marker, monitor, monitorHost]) {
      const stream = (redis as unknown as { stream?: unknown }).stream;
      if (stream instanceof Socket) ignored.add(stream);
    }
    const seen: Seen[] = [];
    monitor.on("monitor", (_time: string, args: string[], source: string, database: string) => {
      seen.push({ source, database, args });
    });
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
      monitor.disconnect();
      monitorHost.disconnect();
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
