import {
  afterPrefix,
  BaseWrapper,
  defaultCollectionOf,
  deleteListedKeys,
  type KeyEnumeration,
  type KeyValue,
  supports,
  takeFirst,
  validateCollection,
} from "@kv/protocol";
import { decodePair, escapeCollection, separatorProblem } from "./key-codec.ts";

/** Options of `SingleCollectionWrapper`. */
export interface SingleCollectionWrapperOptions {
  /** The one collection of the inner store that holds every entry. */
  singleCollection: string;
  /**
   * Placed between the collection and the key: a non-empty string without `%`, ASCII letters or
   * digits. @default "__" (py-key-value's)
   */
  separator?: string | undefined;
  /** The collection calls without one go to. @default the inner store's */
  defaultCollection?: string | undefined;
}

/**
 * Keeps every collection in one collection of the inner store, storing `(collection, key)` as the
 * key `<collection><separator><key>` with the collection escaped where needed, so two pairs never
 * meet (see `key-codec.ts`). For backends, accounts or tables limited to one namespace.
 *
 * `keys({ collection })` lists only that collection's keys, `collections()` the collections that
 * hold keys, and `destroyCollection(name)` deletes that collection's keys: all three page through
 * every key of the single collection, and are offered only when the inner store enumerates keys.
 * `destroy()` destroys the single collection.
 */
export class SingleCollectionWrapper extends BaseWrapper {
  /** The collection of the inner store that holds every entry. */
  readonly singleCollection: string;
  /** The text between the (escaped) collection and the key. */
  readonly separator: string;
  /** The collection calls without one go to. */
  override readonly defaultCollection: string;
  #lastCollection = "";
  #lastHead = "";

  /**
   * @throws TypeError when `singleCollection` or `defaultCollection` is not a non-empty string,
   * or `separator` is empty or holds `%`, an ASCII letter or a digit
   */
  constructor(store: KeyValue, options: SingleCollectionWrapperOptions) {
    super(store);
    const {
      singleCollection,
      separator = "__",
      defaultCollection = defaultCollectionOf(store),
    } = options ?? {};
    if (typeof singleCollection !== "string" || singleCollection === "") {
      throw new TypeError("SingleCollectionWrapper needs singleCollection: a non-empty string");
    }
    const problem = separatorProblem(separator);
    if (problem !== undefined) throw new TypeError(`separator ${problem}`);
    if (typeof defaultCollection !== "string" || defaultCollection === "") {
      throw new TypeError("defaultCollection must be a non-empty string");
    }
    this.singleCollection = singleCollection;
    this.separator = separator;
    this.defaultCollection = defaultCollection;
    this.#scopeCapabilities(store);
  }

  protected override encodeCollection(): string {
    return this.singleCollection;
  }

  protected override encodeKey(key: string, collection: string): string {
    return this.#head(collection) + key;
  }

  protected override decodeKey(stored: string, collection: string): string | undefined {
    return afterPrefix(stored, this.#head(collection));
  }

  /** What every stored key of `collection` starts with (the last one is remembered). */
  #head(collection: string): string {
    if (collection !== this.#lastCollection) {
      this.#lastHead = escapeCollection(collection, this.separator) + this.separator;
      this.#lastCollection = collection;
    }
    return this.#lastHead;
  }

  /** Replaces the forwarded capabilities that would act on the single collection as a whole. */
  #scopeCapabilities(store: KeyValue): void {
    const { iterateKeys } = this;
    const canList = iterateKeys !== undefined && supports(store, "keys");
    if (canList) {
      // The inner `limit` counts keys of other collections: take the first `limit` of this one.
      this.keys = async (options) => takeFirst(iterateKeys(options), options?.limit);
    }
    if (canList && supports(store, "collections")) {
      const listed = (): AsyncIterable<string> => this.#collectionsIn(store);
      this.iterateCollections = listed;
      this.collections = async (options) => takeFirst(listed(), options?.limit);
    } else {
      delete this.collections;
      delete this.iterateCollections;
    }
    if (canList && supports(store, "destroyCollection")) {
      const own = this as this & KeyEnumeration;
      this.destroyCollection = async (collection) => {
        validateCollection(collection, { operation: "destroyCollection" });
        return (await deleteListedKeys(own, collection)) > 0;
      };
    } else {
      delete this.destroyCollection;
    }
    if (supports(store, "destroy") && supports(store, "destroyCollection")) {
      this.destroy = () => store.destroyCollection(this.singleCollection);
    } else {
      delete this.destroy;
    }
  }

  /** Every collection holding keys, decoded from the single collection's keys, each once. */
  async *#collectionsIn(store: KeyValue & KeyEnumeration): AsyncGenerator<string, void, undefined> {
    const seen = new Set<string>();
    for await (const stored of store.iterateKeys({ collection: this.singleCollection })) {
      const collection = decodePair(stored, this.separator)?.collection;
      if (collection === undefined || seen.has(collection)) continue;
      seen.add(collection);
      yield collection;
    }
  }
}
