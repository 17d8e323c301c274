import { createHash } from "node:crypto";
import {
  type AtomicEntry,
  type ManagedEntry,
  type StoredVersion,
  serializeEntry,
} from "@kv/protocol";
import { type CollectionFile, copyOf, type Draft } from "./collection-file.ts";

/**
 * The atomic operations on one key of a collection file (the store's `atomicEntry`): each write is
 * one change queued on the file and applied under its lock to the entries as they are then. A
 * version is a digest of the entry's value and timestamps. Writes reject with
 * `ConcurrentWriterError`, `JsonFileSyntaxError` or `DeserializationError` as `CollectionFile`'s
 * `update` does, reads with the last two as its `read` does.
 */
export class FileEntry implements AtomicEntry {
  readonly #file: CollectionFile;
  readonly #key: string;

  constructor(file: CollectionFile, key: string) {
    this.#file = file;
    this.#key = key;
  }

  /** Sets the key's entry (a private copy) unless it has a live one. */
  insert(entry: ManagedEntry): Promise<boolean> {
    const own = copyOf(entry);
    return this.#file.update((draft) => {
      if (draft.live(this.#key) !== undefined) return false;
      draft.set(this.#key, own);
      return true;
    });
  }

  /** The key's entry in the file as it is now (a private copy), with its digest. */
  async readVersioned(): Promise<StoredVersion | undefined> {
    const entry = (await this.#file.read()).get(this.#key);
    return entry === undefined
      ? undefined
      : { entry: copyOf(entry), version: this.#versionOf(entry) };
  }

  /** Sets the key's entry (a private copy) while its live one still has the digest `version`. */
  replaceVersioned(entry: ManagedEntry, version: string): Promise<boolean> {
    const own = copyOf(entry);
    return this.#ifVersion(version, (draft) => draft.set(this.#key, own));
  }

  /** Removes the key while its live entry still has the digest `version`. */
  removeVersioned(version: string): Promise<boolean> {
    return this.#ifVersion(version, (draft) => draft.remove(this.#key));
  }

  /** Sets the live entry's expiry, keeping its value and creation time. */
  touch(expiresAt: number | undefined): Promise<boolean> {
    return this.#file.update((draft) => {
      const current = draft.live(this.#key);
      if (current === undefined) return false;
      draft.set(this.#key, { ...current, expiresAt });
      return true;
    });
  }

  /** Runs `change` only while the key's live entry still has `version`. */
  #ifVersion(version: string, change: (draft: Draft) => void): Promise<boolean> {
    return this.#file.update((draft) => {
      const current = draft.live(this.#key);
      if (current === undefined || this.#versionOf(current) !== version) return false;
      change(draft);
      return true;
    });
  }

  /**
   * The version token of an entry: a digest of its value and timestamps. Every write gives an
   * entry a new creation time or expiry or value, so the token changes with it; only the very
   * same content written in the same millisecond repeats a token.
   */
  #versionOf(entry: ManagedEntry): string {
    return createHash("sha256").update(serializeEntry(entry)).digest("base64url").slice(0, 22);
  }
}
