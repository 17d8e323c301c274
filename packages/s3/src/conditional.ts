import { randomUUID } from "node:crypto";
import {
  type AtomicEntry,
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
export interface ObjectPlace {
  readonly objectKey: string;
  readonly collection: string;
  readonly key: string;
}

/**
 * What the entries of one store share for S3's conditional requests: the bucket, the clock, and
 * the check, run once before the first conditional write, that the server honours them.
 */
export class ConditionalWrites {
  readonly target: Bucket;
  readonly clock: Clock;
  readonly #probeKey: string;
  readonly #verify: boolean;
  #verified: Promise<void> | undefined;

  constructor(target: Bucket, clock: Clock, probeKey: string, verify: boolean) {
    this.target = target;
    this.clock = clock;
    this.#probeKey = probeKey;
    this.#verify = verify;
  }

  /**
   * Resolves once the server is known to honour conditional requests (at once without `verify`).
   * @throws StoreConfigurationError when it ignores one of them
   */
  ensureHonoured(): Promise<void> {
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
    const target = this.target;
    const objectKey = `${this.#probeKey}${randomUUID()}`;
    const place = { objectKey, collection: "", key: "" };
    const entry: ManagedEntry = { value: {}, createdAt: this.clock.now(), expiresAt: undefined };
    const wrong = '"00000000000000000000000000000000"';
    try {
      const ignored: string[] = [];
      if (!(await writeIf(target, place, entry, { ifNoneMatch: "*" }))) ignored.push("create");
      if (await writeIf(target, place, entry, { ifNoneMatch: "*" })) ignored.push("If-None-Match");
      if (await writeIf(target, place, entry, { ifMatch: wrong })) ignored.push("If-Match on PUT");
      try {
        await removeObject(target, objectKey, { ifMatch: wrong });
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
      await removeObject(target, objectKey).catch(() => {});
    }
  }
}

/**
 * The atomic operations on one entry's object (the store's `atomicEntry`), on S3's conditional
 * requests: `PutObject` with `If-None-Match: *` (create only) or `If-Match: <ETag>` (replace only
 * that version), and `DeleteObject` with `If-Match`. The server checks the condition in the same
 * step as the write and answers 412 when it fails. A version is `<expires_at in ms>:<ETag>`, so
 * a version whose entry has expired since is refused without reading the object again.
 */
export class ObjectEntry implements Omit<AtomicEntry, "touch"> {
  readonly #writes: ConditionalWrites;
  readonly #place: ObjectPlace;

  constructor(writes: ConditionalWrites, place: ObjectPlace) {
    this.#writes = writes;
    this.#place = place;
  }

  /**
   * Writes the entry where no live entry exists (the protocol's `insertBySwap`): a create
   * (`If-None-Match: *`), and when an object is there but its entry has expired, a replace of
   * that object (`If-Match`).
   * @throws StoreConfigurationError when the server ignores conditional requests
   */
  async insert(entry: ManagedEntry): Promise<boolean> {
    await this.#writes.ensureHonoured();
    return insertBySwap(this.#swapTarget(), entry, { attempts: INSERT_ATTEMPTS });
  }

  /** `GetObject`: the entry with its version (expiry and ETag). */
  async readVersioned(): Promise<StoredVersion | undefined> {
    const found = await readObject(this.#writes.target, this.#place.objectKey);
    if (found === undefined) return undefined;
    const entry = deserializeEntry(found.text);
    return { entry, version: `${entry.expiresAt ?? ""}:${found.etag}` };
  }

  /**
   * `PutObject` with `If-Match` the version's ETag, while its entry is live.
   * @throws StoreConfigurationError when the server ignores conditional requests
   */
  async replaceVersioned(entry: ManagedEntry, version: string): Promise<boolean> {
    const etag = this.#liveEtag(version);
    if (etag === undefined) return false;
    await this.#writes.ensureHonoured();
    return writeIf(this.#writes.target, this.#place, entry, { ifMatch: etag });
  }

  /**
   * `DeleteObject` with `If-Match` the version's ETag, while its entry is live.
   * @throws StoreConfigurationError when the server ignores conditional requests
   */
  async removeVersioned(version: string): Promise<boolean> {
    const etag = this.#liveEtag(version);
    if (etag === undefined) return false;
    await this.#writes.ensureHonoured();
    try {
      await removeObject(this.#writes.target, this.#place.objectKey, { ifMatch: etag });
      return true;
    } catch (error) {
      if (isConditionLost(error) || isMissingObject(error)) return false;
      throw error;
    }
  }

  /** The object as the protocol's `compareAndSwap` reads and conditionally writes it. */
  #swapTarget(): SwapTarget<{ entry: ManagedEntry; etag: string }, ManagedEntry> {
    const { target, clock } = this.#writes;
    const place = this.#place;
    return {
      collection: place.collection,
      key: place.key,
      clock,
      read: async () => {
        const found = await readObject(target, place.objectKey);
        return found && { entry: deserializeEntry(found.text), etag: found.etag };
      },
      write: (entry, stored) =>
        writeIf(
          target,
          place,
          entry,
          stored === undefined ? { ifNoneMatch: "*" } : { ifMatch: stored.etag },
        ),
    };
  }

  /** The ETag of a version whose entry has not expired, else `undefined`. */
  #liveEtag(version: string): string | undefined {
    const cut = version.indexOf(":");
    if (cut < 0) return undefined;
    const expiresAt = version.slice(0, cut);
    if (expiresAt !== "" && Number(expiresAt) <= this.#writes.clock.now()) return undefined;
    const etag = version.slice(cut + 1);
    return etag === "" ? undefined : etag;
  }
}

/** Writes the entry's object while `precondition` holds: `false` when S3 answers 412 (or 404). */
async function writeIf(
  target: Bucket,
  place: ObjectPlace,
  entry: ManagedEntry,
  precondition: { ifNoneMatch: "*" } | { ifMatch: string },
): Promise<boolean> {
  try {
    await writeEntry(target, place.objectKey, entry, place, precondition);
    return true;
  } catch (error) {
    if (isConditionLost(error) || isMissingObject(error)) return false;
    throw error;
  }
}
