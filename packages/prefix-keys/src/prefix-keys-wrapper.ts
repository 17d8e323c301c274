import {
  afterPrefix,
  BaseWrapper,
  deleteListedKeys,
  type KeyEnumeration,
  type KeyValue,
  supports,
  takeFirst,
  validateCollection,
} from "@kv/protocol";

/** Options of `PrefixKeysWrapper`. */
export interface PrefixKeysWrapperOptions {
  /** What every key is stored under: a non-empty string. */
  prefix: string;
  /** Placed between the prefix and the key. @default "__" (py-key-value's) */
  separator?: string | undefined;
}

/**
 * Stores every key as `<prefix><separator><key>` (`app__user-1`), so several applications or
 * tenants can share one collection. Listings return the original keys and hide keys without the
 * prefix; `destroyCollection` and `destroy` delete only prefixed keys, found by enumeration.
 */
export class PrefixKeysWrapper extends BaseWrapper {
  /** The prefix every key is stored under. */
  readonly prefix: string;
  /** The text between the prefix and the key. */
  readonly separator: string;
  readonly #head: string;

  /**
   * `destroyCollection` is offered when the inner store has it and enumerates keys; `destroy` when
   * it has it and enumerates keys and collections (anything else would delete other keys too).
   * @throws TypeError when `prefix` is not a non-empty string or `separator` not a string
   */
  constructor(store: KeyValue, options: PrefixKeysWrapperOptions) {
    super(store);
    const { prefix, separator = "__" } = options ?? {};
    if (typeof prefix !== "string" || prefix === "") {
      throw new TypeError("PrefixKeysWrapper needs a prefix: a non-empty string");
    }
    if (typeof separator !== "string") throw new TypeError("separator must be a string");
    this.prefix = prefix;
    this.separator = separator;
    this.#head = prefix + separator;
    this.#scopeCapabilities(store);
  }

  protected override encodeKey(key: string): string {
    return this.#head + key;
  }

  protected override decodeKey(stored: string): string | undefined {
    return afterPrefix(stored, this.#head);
  }

  /** Replaces the forwarded capabilities that would see or delete keys of other prefixes. */
  #scopeCapabilities(store: KeyValue): void {
    const iterateKeys = this.iterateKeys;
    if (iterateKeys === undefined) {
      delete this.destroyCollection;
      delete this.destroy;
      return;
    }
    // The inner `limit` counts keys this wrapper hides: take the first `limit` it shows instead.
    this.keys = async (options) => takeFirst(iterateKeys(options), options?.limit);
    const listed = this as this & KeyEnumeration;
    if (this.destroyCollection !== undefined) {
      this.destroyCollection = async (collection) => {
        validateCollection(collection, { operation: "destroyCollection" });
        return (await deleteListedKeys(listed, collection)) > 0;
      };
    }
    if (this.destroy === undefined) return;
    if (!supports(store, "collections")) {
      delete this.destroy;
      return;
    }
    this.destroy = async () => {
      let deleted = 0;
      for await (const collection of store.iterateCollections()) {
        deleted += await deleteListedKeys(listed, collection);
      }
      return deleted > 0;
    };
  }
}
