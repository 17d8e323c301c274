import type { KeyValue, ValueLocation } from "@kv/protocol";
import {
  type InvalidDataPolicy,
  SchemaAdapter,
  type SchemaAdapterOptions,
  type SchemaOutcome,
  type SchemaReadOptions,
} from "@kv/standard-schema";
import {
  $ZodEncodeError,
  type $ZodIssue,
  type $ZodType,
  type input,
  type output,
  safeDecodeAsync,
  safeEncodeAsync,
} from "zod/v4/core";
import { reviveDates } from "./dates.ts";
import { needsEnvelope } from "./envelope.ts";
import { checkStorable } from "./storable.ts";
import { ValidationError } from "./validation-error.ts";

export type { InvalidDataPolicy };

/** Options of `ZodAdapter`. */
export type ZodAdapterOptions = SchemaAdapterOptions;

/** Options of the adapter's reads. */
export type ZodReadOptions = SchemaReadOptions;

/**
 * What `put` takes: the schema's input, or, where they differ (a codec), its output too.
 */
export type ZodModel<S extends $ZodType> = [output<S>] extends [input<S>]
  ? input<S>
  : input<S> | output<S>;

/**
 * Typed model storage on any `KeyValue`, validated by a zod 4 schema. `put` parses the model and
 * stores its encoded form (`z.encode` of the output: a codec's input side, defaults and
 * normalisation applied); a model the schema cannot parse is tried as the decoded output of a
 * codec. A schema with a one-way transform stores the input as given. `Date`s are stored as
 * ISO-8601 strings and `get` decodes the stored form back into the schema's output. Schemas
 * whose output is not a JSON object are stored as `{ "items": <model> }`, as py-key-value does.
 */
export class ZodAdapter<S extends $ZodType> extends SchemaAdapter<
  ZodModel<S>,
  output<S>,
  $ZodIssue
> {
  /** The schema every model is parsed with, on writes and on reads. */
  readonly schema: S;

  /**
   * @throws SerializationError for a schema whose models JSON can never hold (a bigint, map, set,
   *   symbol or function not behind a codec), naming the path; InvalidKeyError for a bad
   *   `defaultCollection`; TypeError for an unknown `onInvalid`
   */
  constructor(store: KeyValue, schema: S, options: ZodAdapterOptions = {}) {
    checkStorable(schema);
    super(store, options, () => needsEnvelope(schema));
    this.schema = schema;
  }

  protected override async encodeModel(
    model: ZodModel<S>,
  ): Promise<SchemaOutcome<unknown, $ZodIssue>> {
    const parsed = await safeDecodeAsync(this.schema, model as input<S>);
    if (parsed.success) {
      const encoded = await this.encodeOutput(parsed.data);
      return encoded !== undefined && encoded.issues === undefined ? encoded : { value: model };
    }
    const encoded = await this.encodeOutput(model as output<S>);
    if (encoded === undefined) return { issues: parsed.error.issues };
    const fewer =
      encoded.issues === undefined || encoded.issues.length < parsed.error.issues.length;
    return fewer ? encoded : { issues: parsed.error.issues };
  }

  protected override async decodeModel(
    stored: unknown,
  ): Promise<SchemaOutcome<output<S>, $ZodIssue>> {
    let value = stored;
    for (;;) {
      const result = await safeDecodeAsync(this.schema, value as input<S>);
      if (result.success) return { value: result.data };
      const revived = reviveDates(value, result.error.issues);
      if (revived === undefined) return { issues: result.error.issues };
      value = revived;
    }
  }

  protected override validationError(
    options: ValueLocation & { readonly issues: readonly $ZodIssue[] },
  ): ValidationError {
    return new ValidationError(options);
  }

  /** `z.encode` of an output, or `undefined` when zod cannot encode it (a one-way transform). */
  private async encodeOutput(
    model: output<S>,
  ): Promise<SchemaOutcome<unknown, $ZodIssue> | undefined> {
    try {
      const encoded = await safeEncodeAsync(this.schema, model);
      return encoded.success ? { value: encoded.data } : { issues: encoded.error.issues };
    } catch (error) {
      if (error instanceof $ZodEncodeError) return undefined;
      throw error;
    }
  }
}
