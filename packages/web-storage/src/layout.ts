/**
 * Where entries live in a `Storage`: `<namespace><collection>/<key>`, with `%` and `/` escaped in
 * the collection, so no two (collection, key) pairs share a name and the collection ends at the
 * first `/`. Items without the namespace belong to someone else and are never touched.
 */
export class StorageLayout {
  readonly namespace: string;

  constructor(namespace: string) {
    this.namespace = namespace;
  }

  /** The storage name of one entry. */
  itemName(collection: string, key: string): string {
    return this.collectionPrefix(collection) + key;
  }

  /** The start of every storage name in one collection. */
  collectionPrefix(collection: string): string {
    return `${this.namespace}${collection.replaceAll("%", "%25").replaceAll("/", "%2F")}/`;
  }

  /** The collection of a storage name in the namespace, or `undefined` for anyone else's item. */
  collectionOf(name: string): string | undefined {
    if (!name.startsWith(this.namespace)) return undefined;
    const end = name.indexOf("/", this.namespace.length);
    if (end === -1) return undefined;
    return name.slice(this.namespace.length, end).replaceAll("%2F", "/").replaceAll("%25", "%");
  }
}

/** Every item name in `storage`, read up front so callers may remove items while walking. */
export function itemNames(storage: Storage): string[] {
  const names: string[] = [];
  for (let index = 0; index < storage.length; index++) {
    const name = storage.key(index);
    if (name !== null) names.push(name);
  }
  return names;
}
