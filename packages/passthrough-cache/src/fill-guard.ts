/** A read of the primary whose values will fill the cache unless a write overlaps it. */
export interface GuardedRead {
  readonly collection: string;
  readonly keys: readonly string[];
  /** True once a write to one of its keys has started: what it read may be the old value. */
  stale: boolean;
}

/** A write in progress: keys of one collection, a whole collection, or everything. */
interface GuardedWrite {
  readonly collection: string | undefined;
  readonly keys: ReadonlySet<string> | undefined;
}

/**
 * Keeps a value read from the primary out of the cache when a write or delete through the same
 * wrapper overlapped the read, since the value read may be the one the write replaced.
 */
export class FillGuard {
  readonly #reads = new Set<GuardedRead>();
  readonly #writes = new Set<GuardedWrite>();

  /** Registers a read about to start; it is stale at once when a write to its keys is running. */
  beginRead(collection: string, keys: readonly string[]): GuardedRead {
    const read: GuardedRead = { collection, keys, stale: false };
    for (const write of this.#writes) {
      if (overlaps(write, read)) read.stale = true;
    }
    this.#reads.add(read);
    return read;
  }

  /** Forgets a read once its fill is over. */
  endRead(read: GuardedRead): void {
    this.#reads.delete(read);
  }

  /**
   * Registers a write of `keys` in `collection` (every key when `keys` is undefined, every
   * collection when `collection` is undefined), marking the reads it overlaps stale. Returns
   * the function to call once the write is over.
   */
  beginWrite(collection: string | undefined, keys: readonly string[] | undefined): () => void {
    const write: GuardedWrite = {
      collection,
      keys: keys === undefined ? undefined : new Set(keys),
    };
    for (const read of this.#reads) {
      if (overlaps(write, read)) read.stale = true;
    }
    this.#writes.add(write);
    return () => {
      this.#writes.delete(write);
    };
  }
}

function overlaps(write: GuardedWrite, read: GuardedRead): boolean {
  if (write.collection !== undefined && write.collection !== read.collection) return false;
  const keys = write.keys;
  return keys === undefined || read.keys.some((key) => keys.has(key));
}
