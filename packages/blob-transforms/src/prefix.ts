import type { BlobStore } from "@kv/blob";
import { BlobStoreDecorator, type BlobStoreDecoratorOptions, keyPatternOf } from "./decorator.ts";

/**
 * Keeps every blob under a prefix of the inner store (simplekv's `PrefixDecorator`): `put("a")`
 * writes `<prefix>a`, and listings show only keys under the prefix, without it. Several
 * prefixed views can share one store. `urlFor` is forwarded.
 */
export class PrefixBlobStore extends BlobStoreDecorator {
  /** The text before every inner key. */
  readonly prefix: string;

  /** @throws TypeError for a prefix that is not a non-empty string */
  constructor(inner: BlobStore, prefix: string, options: BlobStoreDecoratorOptions = {}) {
    super(inner, options);
    if (typeof prefix !== "string" || prefix === "") {
      throw new TypeError("A blob key prefix must be a non-empty string");
    }
    this.prefix = prefix;
  }

  protected override keyProblem(key: string): string | undefined {
    const pattern = keyPatternOf(this.inner);
    if (pattern !== undefined && !pattern.test(this.prefix + key)) {
      return `The prefixed key must match the inner store's ${pattern}`;
    }
    return undefined;
  }

  protected override innerKey(key: string): string {
    return this.prefix + key;
  }

  protected override outerKey(innerKey: string): string | undefined {
    return innerKey.startsWith(this.prefix) ? innerKey.slice(this.prefix.length) : undefined;
  }
}
