import { createHash } from "node:crypto";
import {
  type AtomicEntry,
  type Clock,
  type CounterChange,
  counterValue,
  DeserializationError,
  formatTimestamp,
  type ManagedEntry,
  NotACounterError,
  type StoredVersion,
} from "@kv/protocol";
import {
  incrementScript,
  insertScript,
  removeScript,
  replaceScript,
  touchScript,
} from "./atomic-scripts.ts";
import { decodeEntry, encodeEntry, expiryMs } from "./codec.ts";
import type { Commands } from "./commands.ts";
import type { Layout } from "./layout.ts";
import type { Script } from "./scripts.ts";

/**
 * The atomic operations on one entry's Redis key (the store's `atomicEntry`, and its counter),
 * each one round trip: an `EVALSHA` of a script on that key, or a `GET` for a versioned read. A
 * version is the SHA1 of the stored document.
 */
export class KeyEntry implements AtomicEntry {
  private readonly commands: Commands;
  private readonly layout: Layout;
  private readonly clock: Clock;
  private readonly collection: string;
  private readonly key: string;
  private readonly redisKey: string;

  constructor(commands: Commands, layout: Layout, clock: Clock, collection: string, key: string) {
    this.commands = commands;
    this.layout = layout;
    this.clock = clock;
    this.collection = collection;
    this.key = key;
    this.redisKey = layout.collectionPrefix(collection) + key;
  }

  /** Writes the entry unless a live one is there; `true` when written. */
  insert(entry: ManagedEntry): Promise<boolean> {
    const args = [this.document(entry), pxArgument(expiryMs(entry))];
    return this.run(insertScript, args, entry.createdAt).then(isOne);
  }

  /** `GET`: the entry and the SHA1 of its document, or `undefined` when the key is missing. */
  async readVersioned(): Promise<StoredVersion | undefined> {
    const stored = await this.commands.getBuffer(this.redisKey);
    if (stored === null) return undefined;
    return { entry: decodeEntry(stored.toString()), version: sha1(stored) };
  }

  /** Writes the entry while the live document has the SHA1 `version`. */
  replaceVersioned(entry: ManagedEntry, version: string): Promise<boolean> {
    const args = [version, this.document(entry), pxArgument(expiryMs(entry))];
    return this.run(replaceScript, args, entry.createdAt).then(isOne);
  }

  /** Deletes the entry while the live document has the SHA1 `version`. */
  removeVersioned(version: string): Promise<boolean> {
    return this.run(removeScript, [version]).then(isOne);
  }

  /**
   * Adds to the counter and returns the new count.
   * @throws NotACounterError when the key holds another value or the count leaves the safe integers
   */
  async add(change: CounterChange): Promise<number> {
    const { by, now, expiresAt } = change;
    const created = { value: counterValue(by), createdAt: now, expiresAt };
    const args = [
      String(by),
      this.document(created),
      pxArgument(expiryMs(created)),
      change.refresh ? "1" : "",
      timestampArgument(expiresAt),
    ];
    const count = await this.run(incrementScript, args, now);
    if (typeof count !== "string") {
      const { collection, key } = this;
      throw new NotACounterError({ operation: "increment", collection, key });
    }
    return Number(count);
  }

  /**
   * Gives a live entry the expiry `expiresAt` (none when undefined); `false` when missing or
   * expired.
   * @throws DeserializationError when the key holds something that is not an entry document
   */
  async touch(expiresAt: number | undefined): Promise<boolean> {
    const now = this.clock.now();
    const px = expiresAt === undefined ? undefined : Math.max(1, Math.round(expiresAt - now));
    const args = [timestampArgument(expiresAt), pxArgument(px)];
    const touched = await this.run(touchScript, args, now);
    if (Number(touched) === -1) {
      throw new DeserializationError({
        message: "Stored data is not an entry document",
        operation: "touch",
        collection: this.collection,
        key: this.key,
      });
    }
    return isOne(touched);
  }

  private document(entry: ManagedEntry): string {
    return encodeEntry(entry, this.layout.collectionJson(this.collection), this.key);
  }

  private run(
    atomic: Script,
    args: readonly string[],
    now: number = this.clock.now(),
  ): Promise<unknown> {
    return this.commands.eval(atomic, this.redisKey, [now, ...args]);
  }
}

/** True for the reply 1 (a string with ioredis' `stringNumbers`). */
function isOne(reply: unknown): boolean {
  return Number(reply) === 1;
}

function sha1(bytes: Buffer): string {
  return createHash("sha1").update(bytes).digest("hex");
}

/** A `PX` in ms, or `""` for none. */
function pxArgument(px: number | undefined): string {
  return px === undefined ? "" : String(px);
}

/** An `expires_at` member's JSON text, or `""` for none. */
function timestampArgument(epochMs: number | undefined): string {
  return epochMs === undefined ? "" : `"${formatTimestamp(epochMs)}"`;
}
