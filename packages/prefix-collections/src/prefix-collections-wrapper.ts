import {
  afterPrefix,
  BaseWrapper,
  defaultCollectionOf,
  type KeyValue,
  takeFirst,
} from "@kv/protocol";

/** Options of `PrefixCollectionsWrapper`. */
export interface PrefixCollectionsWrapperOptions {
  /** What every collection name is stored under: a non-empty string. */
  prefix: string;
  /** Placed between the prefix and the collection name. @default "__" (py-key-value's) */
  separator?: string | undefined;
  /** The collection calls without one go to (before prefixing). @default the inner store's */
  defaultCollection?: string | undefined;
}

/**
 * Stores every collection as `<prefix><separator><collection>` (`app__users`), the default
 * collection included, so several applications or tenants can share one store. `collections()`
 * returns the original names and hides collections without the prefix; `destroy()` destroys only
 * the prefixed collections.
 */
export class PrefixCollectionsWrapper extends BaseWrapper {
  /** The prefix every collection name is stored under. */
  readonly prefix: string;
  /** The text between the prefix and the collection name. */
  readonly separator: string;
  /** The collection calls without one go to (stored as `<prefix><separator><defaultCollection>`). */
  override readonly defaultCollection: string;
  readonly #head: string;

  /**
   * `destroy` is offered when the inner store has it and can list and destroy collections
   * (the inner `destroy` would remove other prefixes' collections too).
   * @throws TypeError when `prefix` or `defaultCollection` is not a non-empty string, or
   * `separator` not a string
   */
  constructor(store: KeyValue, options: PrefixCollectionsWrapperOptions) {
    super(store);
    const {
      prefix,
      separator = "__",
      defaultCollection = defaultCollectionOf(store),
    } = options ?? {};
    if (typeof prefix !== "string" || prefix === "") {
      throw new TypeError("PrefixCollectionsWrapper needs a prefix: a non-empty string");
    }
    if (typeof separator !== "string") throw new TypeError("separator must be a string");
    if (typeof defaultCollection !== "string" || defaultCollection === "") {
      throw new TypeError("defaultCollection must be a non-empty string");
    }
    this.prefix = prefix;
    this.separator = separator;
    this.defaultCollection = defaultCollection;
    this.#head = prefix + separator;
    this.#scopeCapabilities();
  }

  protected override encodeCollection(collection: string): string {
    return this.#head + collection;
  }

  protected override decodeCollection(stored: string): string | undefined {
    return afterPrefix(stored, this.#head);
  }

  /** Replaces the forwarded capabilities that would see or destroy other collections. */
  #scopeCapabilities(): void {
    const iterateCollections = this.iterateCollections;
    if (iterateCollections !== undefined) {
      // The inner `limit` counts collections this wrapper hides: take the first `limit` it shows.
      this.collections = async (options) => takeFirst(iterateCollections(), options?.limit);
    }
    // Forwarded, these throw a bad collection name synchronously: reject it instead.
    const { keys, destroyCollection } = this;
    if (keys !== undefined) this.keys = async (options) => keys(options);
    if (destroyCollection !== undefined) {
      this.destroyCollection = async (collection) => destroyCollection(collection);
    }
    if (this.destroy === undefined) return;
    if (iterateCollections === undefined || destroyCollection === undefined) {
      delete this.destroy;
      return;
    }
    this.destroy = async () => {
      let destroyed = false;
      for await (const collection of iterateCollections()) {
        if (await destroyCollection(collection)) destroyed = true;
      }
      return destroyed;
    };
  }
}
