/**
 * Runs the writes of one process to the same keys one after another. unstorage drivers need not
 * write atomically (the fs driver rewrites a file in place, so two concurrent writes of one key
 * can leave a mix of both); waiting for the previous write of a key avoids that in this process.
 */
export class WriteQueue {
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `task` once every earlier task on any of `keys` has settled. */
  run<T>(keys: readonly string[], task: () => Promise<T>): Promise<T> {
    const earlier = keys.flatMap((key) => this.#tails.get(key) ?? []);
    const result = earlier.length === 0 ? task() : Promise.all(earlier).then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    for (const key of keys) this.#tails.set(key, tail);
    void tail.then(() => {
      for (const key of keys) if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }
}
