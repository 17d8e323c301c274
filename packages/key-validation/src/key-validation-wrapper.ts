import {
  BaseWrapper,
  InvalidKeyError,
  type KeyValue,
  KeyValueError,
  messageOf,
} from "@kv/protocol";

/**
 * What a name must pass: a regular expression it must match (tested as given, so anchor it with
 * `^...$`), or a synchronous function that returns true for a valid name.
 */
export type KeyRule = RegExp | ((name: string) => boolean);

/** Options of `KeyValidationWrapper`: at least one rule. */
export interface KeyValidationWrapperOptions {
  /** The rule every key must pass, such as `VALID_KEY_REGEXP`. @default keys are not checked */
  key?: KeyRule | undefined;
  /**
   * The rule every collection name must pass. The default collection always passes.
   * @default collection names are not checked
   */
  collection?: KeyRule | undefined;
}

interface Check {
  readonly what: "Key" | "Collection name";
  /** How a refusal reads after `what`: "does not match /.../" or "is refused by isSlug". */
  readonly refusal: string;
  readonly passes: (name: string) => unknown;
}

/**
 * Checks every key (and, when asked, every collection name) against a rule before the call
 * reaches the store: in reads, writes, deletes, their bulk forms and the capabilities that take a
 * collection (`keys`, `iterateKeys`, `destroyCollection`). A name that fails gets
 * `InvalidKeyError` naming it and the rule, and nothing is written (in `putMany` and
 * `deleteMany`, not even the valid entries). Values and listings pass unchanged.
 */
export class KeyValidationWrapper extends BaseWrapper {
  readonly #key: Check | undefined;
  readonly #collection: Check | undefined;

  /**
   * @throws TypeError when neither rule is given, or a rule is neither a RegExp nor a function
   */
  constructor(store: KeyValue, options: KeyValidationWrapperOptions) {
    super(store);
    const { key, collection } = options ?? {};
    if (key === undefined && collection === undefined) {
      throw new TypeError("KeyValidationWrapper needs a key or collection rule");
    }
    this.#key = toCheck(key, "Key");
    this.#collection = toCheck(collection, "Collection name");
  }

  protected override encodeKey(key: string, collection: string): string {
    if (this.#key !== undefined) enforce(this.#key, key, { key, collection });
    return key;
  }

  protected override encodeCollection(collection: string): string {
    if (this.#collection !== undefined && collection !== this.defaultCollection) {
      enforce(this.#collection, collection, { collection });
    }
    return collection;
  }
}

function toCheck(rule: KeyRule | undefined, what: Check["what"]): Check | undefined {
  if (rule === undefined) return undefined;
  if (rule instanceof RegExp) {
    // `g` and `y` make `test` resume from `lastIndex`: a copy without them answers the same each time.
    const regexp = new RegExp(rule.source, rule.flags.replace(/[gy]/g, ""));
    return { what, refusal: `does not match ${regexp}`, passes: (name) => regexp.test(name) };
  }
  if (typeof rule === "function") {
    return { what, refusal: `is refused by ${rule.name || "the validator"}`, passes: rule };
  }
  const option = what === "Key" ? "key" : "collection";
  throw new TypeError(`${option} must be a RegExp or a function, got ${typeof rule}`);
}

function enforce(check: Check, name: string, context: { key?: string; collection: string }): void {
  let passed: unknown;
  try {
    passed = check.passes(name);
  } catch (error) {
    if (KeyValueError.isInstance(error)) throw error;
    const message = `${check.what} ${check.refusal}: ${messageOf(error)}`;
    throw new InvalidKeyError({ ...context, message, cause: error });
  }
  if (passed instanceof Promise) {
    passed.catch(() => undefined);
    throw new TypeError("A key rule returned a promise: it must answer synchronously");
  }
  if (!passed) throw new InvalidKeyError({ ...context, message: `${check.what} ${check.refusal}` });
}
