import { type KeyValue, SerializationError, type ValueLocation } from "@kv/protocol";
import type { StandardSchemaV1 } from "@standard-schema/spec";
import { needsEnvelope } from "./envelope.ts";
import { sameJson, toJsonForm } from "./json-form.ts";
import { SchemaAdapter, type SchemaAdapterOptions, type SchemaOutcome } from "./schema-adapter.ts";
import { listIssues } from "./validation-error.ts";

/** Options of `StandardSchemaAdapter`. */
export type StandardSchemaAdapterOptions = SchemaAdapterOptions;

/**
 * Typed model storage on any `KeyValue`, validated by any Standard Schema (valibot, ArkType, zod
 * ...). `put` validates the model and stores the schema's output when validating that stored form
 * gives the same model back; otherwise (a transform that changes the value) it stores the input
 * as given. `Date`s are stored as ISO-8601 strings; the schema's own transform turns them back
 * on `get`. Non-object models are stored as `{ "items": <model> }`, as py-key-value does.
 */
export class StandardSchemaAdapter<S extends StandardSchemaV1> extends SchemaAdapter<
  StandardSchemaV1.InferInput<S>,
  StandardSchemaV1.InferOutput<S>,
  StandardSchemaV1.Issue
> {
  /** The schema every model is validated with, on writes and on reads. */
  readonly schema: S;

  /** @throws InvalidKeyError for a bad `defaultCollection`, TypeError for an unknown `onInvalid` */
  constructor(store: KeyValue, schema: S, options: StandardSchemaAdapterOptions = {}) {
    super(store, options, () => needsEnvelope(schema));
    this.schema = schema;
  }

  protected override async encodeModel(
    model: StandardSchemaV1.InferInput<S>,
    location: ValueLocation,
  ): Promise<SchemaOutcome<unknown, StandardSchemaV1.Issue>> {
    const validated = await this.validate(model);
    if (validated.issues !== undefined) return validated;
    const output = toJsonForm(validated.value);
    const fromOutput = await this.validate(output);
    if (fromOutput.issues === undefined && sameJson(toJsonForm(fromOutput.value), output)) {
      return { value: output };
    }
    const input = toJsonForm(model);
    const fromInput = await this.validate(input);
    if (fromInput.issues === undefined && sameJson(toJsonForm(fromInput.value), output)) {
      return { value: input };
    }
    const issues = fromOutput.issues ?? fromInput.issues ?? [];
    throw new SerializationError({
      ...location,
      message: `The model's stored form does not pass the schema, so it could not be read back (${listIssues(issues)}); a Date needs a schema that also accepts its ISO-8601 string`,
    });
  }

  protected override decodeModel(
    stored: unknown,
  ): Promise<SchemaOutcome<StandardSchemaV1.InferOutput<S>, StandardSchemaV1.Issue>> {
    return this.validate(stored);
  }

  private async validate(
    value: unknown,
  ): Promise<StandardSchemaV1.Result<StandardSchemaV1.InferOutput<S>>> {
    return this.schema["~standard"].validate(value);
  }
}
