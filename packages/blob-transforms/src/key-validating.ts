import type { BlobStore } from "@kv/blob";
import { BlobStoreDecorator } from "./decorator.ts";

/**
 * Refuses keys that do not match a regular expression with `InvalidBlobKeyError` before the inner
 * store sees them (simplekv's key validation, with a pattern of your own), on every method;
 * listings pass through. `urlFor` is forwarded.
 */
export class KeyValidatingBlobStore extends BlobStoreDecorator {
  /** The keys accepted (the inner store's own rules apply as well). */
  readonly pattern: RegExp;

  constructor(inner: BlobStore, pattern: RegExp) {
    super(inner);
    if (!(pattern instanceof RegExp)) throw new TypeError("KeyValidatingBlobStore needs a RegExp");
    this.pattern = pattern;
  }

  protected override keyProblem(key: string): string | undefined {
    return matches(this.pattern, key) ? undefined : `A blob key must match ${this.pattern}`;
  }
}

/** `pattern.test` without the state a global or sticky pattern keeps between calls. */
function matches(pattern: RegExp, key: string): boolean {
  pattern.lastIndex = 0;
  return pattern.test(key);
}
