/**
 * The write locks of one database in this process. An exclusive task (read, then write) holds the
 * locks of its keys: it starts once the exclusive tasks before it on those keys and every plain
 * write already in flight have settled. A plain write waits only for the exclusive tasks holding
 * one of its keys, so it costs no per-key bookkeeping while no exclusive task runs. Every task
 * waits only for tasks started before it, so no two tasks ever wait for each other.
 */
export class KeyLocks {
  /** The last exclusive task on each key. */
  private readonly held = new Map<string, Promise<void>>();
  /** The plain writes in flight. */
  private readonly writing = new Set<Promise<void>>();

  /** How many keys are held plus how many plain writes are in flight. */
  get size(): number {
    return this.held.size + this.writing.size;
  }

  /** Runs a plain write of `records` once no exclusive task holds any of their keys. */
  write<T>(records: readonly { readonly key: string }[], task: () => Promise<T>): Promise<T> {
    const waits: Promise<void>[] = [];
    if (this.held.size > 0) {
      for (const { key } of records) {
        const tail = this.held.get(key);
        if (tail !== undefined) waits.push(tail);
      }
    }
    const result = waits.length === 0 ? start(task) : Promise.all(waits).then(task);
    const settle = (): void => {
      this.writing.delete(done);
    };
    const done = result.then(settle, settle);
    this.writing.add(done);
    return result;
  }

  /** Runs `task` holding the locks of `keys`, after the writes and exclusive tasks before it. */
  exclusive<T>(keys: readonly string[], task: () => Promise<T>): Promise<T> {
    const waits = [...this.writing];
    for (const key of keys) {
      const tail = this.held.get(key);
      if (tail !== undefined) waits.push(tail);
    }
    const result = waits.length === 0 ? start(task) : Promise.all(waits).then(task);
    const release = (): void => {
      for (const key of keys) if (this.held.get(key) === tail) this.held.delete(key);
    };
    const tail = result.then(release, release);
    for (const key of keys) this.held.set(key, tail);
    return result;
  }
}

/** One lock table per database object, shared by every store on it. */
const tables = new WeakMap<object, KeyLocks>();

/** The lock table of a database. */
export function locksOf(database: object): KeyLocks {
  let locks = tables.get(database);
  if (locks === undefined) {
    locks = new KeyLocks();
    tables.set(database, locks);
  }
  return locks;
}

/** Calls `task` now, turning a synchronous throw into a rejection. */
function start<T>(task: () => Promise<T>): Promise<T> {
  try {
    return task();
  } catch (error) {
    return Promise.reject(error);
  }
}
