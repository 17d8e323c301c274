import { randomUUID } from "node:crypto";
import {
  type Clock,
  deserializeEntry,
  insertBySwap,
  type ManagedEntry,
  StoreConfigurationError,
  type StoredVersion,
  type SwapTarget,
} from "@kv/protocol";
import { isConditionLost, isMissingObject } from "./errors.ts";
import { type Bucket, readObject, removeObject, writeEntry } from "./objects.ts";

/** How many conditional writes `insert` tries before giving up. */
const INSERT_ATTEMPTS = 16;

/** An entry object's place: its object key and the names written into its document. */
export interface EntryObject {
  readonly objectKey: string;
  readonly collection: string;
  readonly key: string;
}

/**
 * The atomic operations on S3's conditional requests: `PutObject` with `If-None-Match: *`
 * (create only) or `If-Match: <ETag>` (replace only that version), and `DeleteObject` with
 * `If-Match`. The server checks the condition in the same step as the write and answers 412
 * when it fails. A version token is the object's ETag plus the entry's expiry, so a version
 * whose entry has expired since is refused.
 */
export class ConditionalWrites {
  readonly #target: Bucket;
  readonly #clock: Clock;
  readonly #probeKey: string;
  readonly #verify: boolean;
  #verified: Promise<void> | undefined;

  constructor(target: Bucket, clock: Clock, probeKey: string, verify: boolean) {
    this.#target = target;
    this.#clock = clock;
    this.#probeKey = probeKey;
    this.#verify = verify;
  }

  /**
   * Writes the entry where no live entry exists (the protocol's `insertBySwap`): a create
   * (`If-None-Match: *`), and when an object is there but its entry has expired, a replace of
   * that object (`If-Match`).
   * @returns `true` when written
   */
  async insert(place: EntryObject, entry: ManagedEntry): Promise<boolean> {
    await this.#ensureHonoured();
    return insertBySwap(this.#swapTarget(place), entry, { attempts: INSERT_ATTEMPTS });
  }

  /** The entry's object as the protocol's `compareAndSwap` reads and conditionally writes it. */
  #swapTarget(place: EntryObject): SwapTarget<{ entry: ManagedEntry; etag: string }, ManagedEntry> {
    return {
      collection: place.collection,
      key: place.key,
      clock: this.#clock,
      read: async () => {
        const found = await readObject(this.#target, place.objectKey);
        return found && { entry: deserializeEntry(found.text), etag: found.etag };
      },
      write: (entry, stored) =>
        this.#write(
          place,
          entry,
          stored === undefined ? { ifNoneMatch: "*" } : { ifMatch: stored.etag },
        ),
    };
  }

  /** Reads an entry with its version token (ETag and expiry). */
  async read(place: EntryObject): Promise<StoredVersion | undefined> {
    const found = await readObject(this.#target, place.objectKey);
    if (found === undefined) return undefined;
    const entry = deserializeEntry(found.text);
    return { entry, version: `${entry.expiresAt ?? ""}:${found.etag}` };
  }

  /** Replaces a live entry that still has `version`. */
  async replace(place: EntryObject, entry: ManagedEntry, version: string): Promise<boolean> {
    const etag = this.#liveEtag(version);
    if (etag === undefined) return false;
    await this.#ensureHonoured();
    return this.#write(place, entry, { ifMatch: etag });
  }

  /** Deletes a live entry that still has `version`. */
  async remove(place: EntryObject, version: string): Promise<boolean> {
    const etag = this.#liveEtag(version);
    if (etag === undefined) return false;
    await this.#ensureHonoured();
    try {
      await removeObject(this.#target, place.objectKey, { ifMatch: etag });
      return true;
    } catch (error) {
      if (isConditionLost(error) || isMissingObject(error)) return false;
      throw error;
    }
  }

  /** The ETag of a version whose entry has not expired, else `undefined`. */
  #liveEtag(version: string): string | undefined {
    const cut = version.indexOf(":");
    if (cut < 0) return undefined;
    const expiresAt = version.slice(0, cut);
    if (expiresAt !== "" && Number(expiresAt) <= this.#clock.now()) return undefined;
    const etag = version.slice(cut + 1);
    return etag === "" ? undefined : etag;
  }

  async #write(
    place: EntryObject,
    entry: ManagedEntry,
    precondition: { ifNoneMatch: "*" } | { ifMatch: string },
  ): Promise<boolean> {
    try {
      await writeEntry(this.#target, place.objectKey, entry, place, precondition);
      return true;
    } catch (error) {
      if (isConditionLost(error) || isMissingObject(error)) return false;
      throw error;
    }
  }

  #ensureHonoured(): Promise<void> {
    if (!this.#verify) return Promise.resolve();
    this.#verified ??= this.#probe().catch((error: unknown) => {
      this.#verified = undefined;
      throw error;
    });
    return this.#verified;
  }

  /**
   * Checks once that the server honours conditional requests, on an object of its own outside
   * the entry layout: a second create, a replace and a delete with a wrong ETag must all fail.
   * @throws StoreConfigurationError when the server ignores one of them
   */
  async #probe(): Promise<void> {
    const objectKey = `${this.#probeKey}${randomUUID()}`;
    const place = { objectKey, collection: "", key: "" };
    const entry: ManagedEntry = { value: {}, createdAt: this.#clock.now(), expiresAt: undefined };
    const wrong = '"00000000000000000000000000000000"';
    try {
      const ignored: string[] = [];
      if (!(await this.#write(place, entry, { ifNoneMatch: "*" }))) ignored.push("create");
      if (await this.#write(place, entry, { ifNoneMatch: "*" })) ignored.push("If-None-Match");
      if (await this.#write(place, entry, { ifMatch: wrong })) ignored.push("If-Match on PUT");
      try {
        await removeObject(this.#target, objectKey, { ifMatch: wrong });
        ignored.push("If-Match on DELETE");
      } catch (error) {
        if (!isConditionLost(error)) throw error;
      }
      if (ignored.length > 0) {
        throw new StoreConfigurationError({
          message: `The S3 server does not honour conditional requests (${ignored.join(", ")}): putIfAbsent and versioned writes need If-None-Match and If-Match on PutObject and DeleteObject`,
        });
      }
    } finally {
      await removeObject(this.#target, objectKey).catch(() => {});
    }
  }
}
