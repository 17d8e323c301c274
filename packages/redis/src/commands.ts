import type { Cluster, Redis } from "ioredis";
import type { Connection } from "./connection.ts";
import { getScript, runScript, type Script, setScript, unlinkScript } from "./scripts.ts";
import { keySlot } from "./slot.ts";

/** How many keys one `SCAN` call is asked to look at. */
const SCAN_COUNT = 1000;

/**
 * The Redis commands the store sends, each call one round trip (one command per node on a
 * Cluster), through the store's `Connection`.
 */
export abstract class Commands {
  protected readonly client: Redis | Cluster;
  protected readonly connection: Connection;

  constructor(client: Redis | Cluster, connection: Connection) {
    this.client = client;
    this.connection = connection;
  }

  /** The value of one key, `null` when missing. */
  get(key: string): Promise<string | null> {
    if (this.connection.open) return this.client.get(key);
    return this.run(() => this.client.get(key));
  }

  /** Writes one key, expiring after `px` milliseconds when given; resolves to the reply. */
  set(key: string, value: string, px: number | undefined): Promise<unknown> {
    if (this.connection.open) return this.sendSet(key, value, px);
    return this.run(() => this.sendSet(key, value, px));
  }

  /** Removes one key; `true` when it existed. */
  unlink(key: string): Promise<boolean> {
    const removed = this.connection.open
      ? this.client.unlink(key)
      : this.run(() => this.client.unlink(key));
    return removed.then(isPositive);
  }

  /** The bytes of one key, `null` when missing. */
  getBuffer(key: string): Promise<Buffer | null> {
    if (this.connection.open) return this.client.getBuffer(key);
    return this.run(() => this.client.getBuffer(key));
  }

  /** Runs a script on one key (`KEYS[1]`, which routes it on a Cluster) with `args` as ARGV. */
  eval(script: Script, key: string, args: readonly (string | number)[]): Promise<unknown> {
    if (this.connection.open) return runScript(this.client, script, key, args);
    return this.run(() => runScript(this.client, script, key, args));
  }

  /** The values of the keys, `null` where missing. */
  abstract getMany(keys: readonly string[]): Promise<(string | null)[]>;
  /**
   * Writes key/value pairs given interleaved (`[key, value, key, value …]`), each expiring after
   * `px` milliseconds when given.
   */
  abstract setMany(pairs: readonly string[], px: number | undefined): Promise<unknown>;
  /** Removes the keys; returns how many existed. */
  abstract unlinkMany(keys: readonly string[]): Promise<number>;
  /** Every key matching a glob pattern, one page per `SCAN` reply, on every master. */
  abstract scan(pattern: string): AsyncIterable<string[]>;

  private sendSet(key: string, value: string, px: number | undefined): Promise<unknown> {
    return px === undefined ? this.client.set(key, value) : this.client.set(key, value, "PX", px);
  }

  /** Sends a command within the connection's rules (see `Connection.run`). */
  protected run<T>(send: () => Promise<T>): Promise<T> {
    return this.connection.run(send);
  }

  protected async *scanNode(node: Redis, pattern: string): AsyncIterable<string[]> {
    let cursor = "0";
    do {
      const [next, keys] = await this.run(() =>
        node.scan(cursor, "MATCH", pattern, "COUNT", SCAN_COUNT),
      );
      cursor = next;
      if (keys.length > 0) yield keys;
    } while (cursor !== "0");
  }
}

/** Commands for one Redis server: `MGET`, `MSET`, `UNLINK`, and a script for `SET … PX`. */
export class StandaloneCommands extends Commands {
  declare protected readonly client: Redis;

  getMany(keys: readonly string[]): Promise<(string | null)[]> {
    if (this.connection.open) return this.client.mget(keys as string[]);
    return this.run(() => this.client.mget(keys as string[]));
  }

  setMany(pairs: readonly string[], px: number | undefined): Promise<unknown> {
    const first = pairs[0];
    if (first === undefined) return Promise.resolve();
    if (this.connection.open) return this.sendSetMany(first, pairs, px);
    return this.run(() => this.sendSetMany(first, pairs, px));
  }

  private sendSetMany(
    first: string,
    pairs: readonly string[],
    px: number | undefined,
  ): Promise<unknown> {
    return px === undefined
      ? this.client.mset(pairs as string[])
      : runScript(this.client, setScript, first, [px, ...pairs]);
  }

  unlinkMany(keys: readonly string[]): Promise<number> {
    if (this.connection.open) return this.client.unlink(keys as string[]);
    return this.run(() => this.client.unlink(keys as string[]));
  }

  async *scan(pattern: string): AsyncIterable<string[]> {
    yield* this.scanNode(this.client, pattern);
  }
}

/** Keys of one call that one node owns. */
interface Group {
  readonly slot: number;
  sameSlot: boolean;
  readonly indices: number[];
  readonly keys: string[];
}

/**
 * Commands for a Redis Cluster: keys are grouped by the node that owns their slot, and each node
 * gets one command: the native multi-key command when its keys share a slot, otherwise a script
 * that loops over them on the node. No `CROSSSLOT` error can arise.
 */
export class ClusterCommands extends Commands {
  declare protected readonly client: Cluster;

  getMany(keys: readonly string[]): Promise<(string | null)[]> {
    return this.run(() => this.getFromNodes(keys));
  }

  setMany(pairs: readonly string[], px: number | undefined): Promise<void> {
    const keys = new Array<string>(pairs.length / 2);
    const values = new Array<string>(pairs.length / 2);
    for (let index = 0; index < keys.length; index++) {
      keys[index] = pairs[2 * index] as string;
      values[index] = pairs[2 * index + 1] as string;
    }
    return this.run(() => this.setOnNodes(keys, values, px));
  }

  unlinkMany(keys: readonly string[]): Promise<number> {
    return this.run(() => this.unlinkOnNodes(keys));
  }

  private async getFromNodes(keys: readonly string[]): Promise<(string | null)[]> {
    const groups = this.group(keys);
    const only = groups.length === 1 ? groups[0] : undefined;
    if (only?.sameSlot) return this.client.mget(only.keys);
    const values = new Array<string | null>(keys.length);
    await Promise.all(
      groups.map(async (group) => {
        const found = group.sameSlot
          ? await this.client.mget(group.keys)
          : (await this.onNode(getScript, keys, group.indices, (some) => pick(keys, some))).flat();
        for (let index = 0; index < group.indices.length; index++) {
          values[group.indices[index] as number] = (found[index] as string | null) ?? null;
        }
      }),
    );
    return values;
  }

  private async setOnNodes(
    keys: readonly string[],
    values: readonly string[],
    px: number | undefined,
  ): Promise<void> {
    const pairs = (some: readonly number[]) => interleave(pick(keys, some), pick(values, some));
    await Promise.all(
      this.group(keys).map((group) =>
        group.sameSlot && px === undefined
          ? this.client.mset(pairs(group.indices))
          : this.onNode(setScript, keys, group.indices, (some) => [px ?? "", ...pairs(some)]),
      ),
    );
  }

  private async unlinkOnNodes(keys: readonly string[]): Promise<number> {
    const removed = await Promise.all(
      this.group(keys).map(async (group) =>
        group.sameSlot
          ? [await this.client.unlink(group.keys)]
          : this.onNode(unlinkScript, keys, group.indices, (some) => pick(keys, some)),
      ),
    );
    return removed.flat().reduce((sum: number, count) => sum + (count as number), 0);
  }

  async *scan(pattern: string): AsyncIterable<string[]> {
    // Until the Cluster is ready it knows no masters; a PING waits for that.
    if (this.client.status !== "ready") await this.run(() => this.client.ping());
    for (const node of this.client.nodes("master")) yield* this.scanNode(node, pattern);
  }

  /** Groups keys by the node that owns their slot (by slot while the slot map is unknown). */
  private group(keys: readonly string[]): Group[] {
    const groups = new Map<string, Group>();
    const owners = this.client.slots;
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index] as string;
      const slot = keySlot(key);
      const node = owners[slot]?.[0] ?? `slot ${slot}`;
      const group = groups.get(node);
      if (group === undefined) {
        groups.set(node, { slot, sameSlot: true, indices: [index], keys: [key] });
      } else {
        if (group.slot !== slot) group.sameSlot = false;
        group.indices.push(index);
        group.keys.push(key);
      }
    }
    return Array.from(groups.values());
  }

  /**
   * Runs a script on the node owning the keys at `indices`; one result per call. When the slot
   * map was stale (the node answers "non local key"), it is refreshed and each key is sent on its
   * own, so MOVED redirections route it.
   */
  private async onNode(
    script: Script,
    keys: readonly string[],
    indices: readonly number[],
    argsFor: (some: readonly number[]) => (string | number)[],
  ): Promise<unknown[]> {
    try {
      return [
        await runScript(
          this.client,
          script,
          keys[indices[0] as number] as string,
          argsFor(indices),
        ),
      ];
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes("non local key")) throw error;
      this.client.refreshSlotsCache();
      return Promise.all(
        indices.map((index) =>
          runScript(this.client, script, keys[index] as string, argsFor([index])),
        ),
      );
    }
  }
}

function isPositive(count: number): boolean {
  return count > 0;
}

function interleave(keys: readonly string[], values: readonly string[]): string[] {
  const pairs = new Array<string>(keys.length * 2);
  for (let index = 0; index < keys.length; index++) {
    pairs[2 * index] = keys[index] as string;
    pairs[2 * index + 1] = values[index] as string;
  }
  return pairs;
}

function pick<T>(items: readonly T[], indices: readonly number[]): T[] {
  return indices.map((index) => items[index] as T);
}
