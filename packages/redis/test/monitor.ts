import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";

/** One command a client sent, as MONITOR reported it. */
export interface Sent {
  readonly node: string;
  readonly name: string;
  readonly args: readonly string[];
}

/**
 * Runs `action` while MONITOR watches every node, and returns the commands that clients (not
 * scripts) sent with an argument containing `marker`, so unrelated traffic on a shared server
 * is ignored.
 */
export async function commandsSent(
  nodes: readonly { host: string; port: number }[],
  marker: string,
  action: () => Promise<unknown>,
): Promise<Sent[]> {
  const sent: Sent[] = [];
  const fence = `fence-${randomUUID()}`;
  const seen = new Map<string, () => void>();
  const monitors: Redis[] = [];
  const fenced: Promise<void>[] = [];
  for (const { host, port } of nodes) {
    const node = `${host}:${port}`;
    const monitor = await new Redis(port, host).monitor();
    monitors.push(monitor);
    fenced.push(new Promise((resolve) => seen.set(node, resolve)));
    monitor.on("monitor", (_time: string, args: string[], source: string) => {
      if (args.includes(fence)) seen.get(node)?.();
      else if (source !== "lua" && args.some((arg) => arg.includes(marker))) {
        sent.push({ node, name: (args[0] ?? "").toLowerCase(), args });
      }
    });
  }
  try {
    await action();
    // Every node echoes a fence after the action, so all earlier commands have been reported.
    for (const { host, port } of nodes) {
      const probe = new Redis(port, host);
      await probe.echo(fence);
      probe.disconnect();
    }
    await Promise.all(fenced);
    return [...sent];
  } finally {
    for (const monitor of monitors) {
      monitor.removeAllListeners("monitor");
      monitor.disconnect();
    }
  }
}
