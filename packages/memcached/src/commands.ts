import type {
  MemcacheClient,
  MultiCasRetrievalResponse,
  MultiRetrievalResponse,
  RetrievalCommandResponse,
} from "memcache-client";

/** An item as read: its data and, from `gets`, its CAS unique. */
export interface Item {
  /** The data, as the client unpacked it (a string for items written with flags 0). */
  readonly data: unknown;
  /** The item's CAS unique (from `gets` only). */
  readonly cas: string | undefined;
}

/** How many keys one `get`/`gets` command names at most; more go out as further commands. */
const KEYS_PER_GET = 1000;

/**
 * The memcached text-protocol commands the store sends, with the replies that are answers
 * (`NOT_STORED`, `EXISTS`, `NOT_FOUND`) returned as `false` instead of thrown.
 */
export class Commands {
  private readonly client: MemcacheClient;

  constructor(client: MemcacheClient) {
    this.client = client;
  }

  /** `get` (or `gets`, with the CAS unique) of one key. */
  async read(name: string, withCas: boolean): Promise<Item | undefined> {
    // The client's types leave out that a missing key reads as undefined.
    const found: RetrievalCommandResponse<unknown> | undefined = withCas
      ? await this.client.gets<unknown>(name)
      : await this.client.get<unknown>(name);
    return found === undefined ? undefined : { data: found.value, cas: casOf(found.casUniq) };
  }

  /** `get` (or `gets`) of many distinct keys: one command per 1 000 keys, sent together. */
  async readMany(names: readonly string[], withCas: boolean): Promise<Map<string, Item>> {
    const found = new Map<string, Item>();
    const chunks: string[][] = [];
    for (let start = 0; start < names.length; start += KEYS_PER_GET) {
      chunks.push(names.slice(start, start + KEYS_PER_GET));
    }
    const replies: MultiRetrievalResponse[] = await Promise.all(
      chunks.map((chunk) =>
        withCas
          ? this.client.gets<MultiCasRetrievalResponse>(chunk)
          : this.client.get<MultiRetrievalResponse>(chunk),
      ),
    );
    for (const reply of replies) {
      for (const name of Object.keys(reply)) {
        const item = reply[name];
        if (item !== undefined) found.set(name, { data: item.value, cas: casOf(item.casUniq) });
      }
    }
    return found;
  }

  /** `set`. */
  async set(name: string, data: string, exptime: number): Promise<void> {
    await this.client.set(name, data, { lifetime: exptime });
  }

  /** `add`: `false` when the key holds an item (`NOT_STORED`). */
  add(name: string, data: string, exptime: number): Promise<boolean> {
    return answered(this.client.add(name, data, { lifetime: exptime }));
  }

  /** `cas`: `false` when the item changed (`EXISTS`) or is gone (`NOT_FOUND`). */
  cas(name: string, data: string, exptime: number, cas: string): Promise<boolean> {
    return answered(this.client.cas(name, data, { lifetime: exptime, casUniq: cas }));
  }

  /** `delete`: `false` when there was no item (`NOT_FOUND`). */
  delete(name: string): Promise<boolean> {
    return answered(this.client.delete(name));
  }
}

const negativeReplies = new Set(["NOT_STORED", "EXISTS", "NOT_FOUND"]);

/** `true` when the command succeeded, `false` for a negative reply; other failures are thrown. */
async function answered(command: Promise<unknown>): Promise<boolean> {
  try {
    await command;
    return true;
  } catch (error) {
    const reply = (error as { cmdTokens?: unknown } | null)?.cmdTokens;
    if (Array.isArray(reply) && reply.length === 1 && negativeReplies.has(reply[0])) return false;
    throw error;
  }
}

function casOf(casUniq: number | string | undefined): string | undefined {
  return casUniq === undefined ? undefined : String(casUniq);
}
