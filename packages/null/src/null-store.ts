import { BaseStore, type ManagedEntry } from "@kv/protocol";

/**
 * A store that keeps nothing: every write is validated and then discarded, every read misses.
 * For testing code that accepts a `KeyValue` without a real backend.
 */
export class NullStore extends BaseStore {
  protected async getEntry(): Promise<ManagedEntry | undefined> {
    return undefined;
  }

  protected async putEntry(): Promise<void> {}

  protected async deleteEntry(): Promise<boolean> {
    return false;
  }
}
