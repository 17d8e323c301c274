import { describeConformance } from "@kv/conformance";
import { BaseStore, deserializeEntry, type ManagedEntry, serializeEntry } from "@kv/protocol";

/** Your store: here, JSON documents in a Map. */
class MapStore extends BaseStore {
  private readonly documents = new Map<string, string>();

  protected async getEntry(collection: string, key: string): Promise<ManagedEntry | undefined> {
    const json = this.documents.get(JSON.stringify([collection, key]));
    return json === undefined ? undefined : deserializeEntry(json);
  }

  protected async putEntry(collection: string, key: string, entry: ManagedEntry): Promise<void> {
    this.documents.set(
      JSON.stringify([collection, key]),
      serializeEntry(entry, { collection, key }),
    );
  }

  protected async deleteEntry(collection: string, key: string): Promise<boolean> {
    return this.documents.delete(JSON.stringify([collection, key]));
  }
}

await describeConformance("MapStore", {
  createStore: () => new MapStore(),
});
