export {
  type InvalidDataPolicy,
  SchemaAdapter,
  type SchemaAdapterOptions,
  type SchemaOutcome,
  type SchemaReadOptions,
} from "./schema-adapter.ts";
export {
  StandardSchemaAdapter,
  type StandardSchemaAdapterOptions,
} from "./standard-schema-adapter.ts";
export { ValidationError } from "./validation-error.ts";
