export { ValidationError, type ValidationErrorOptions } from "./validation-error.ts";
export {
  type InvalidDataPolicy,
  ZodAdapter,
  type ZodAdapterOptions,
  type ZodModel,
  type ZodReadOptions,
} from "./zod-adapter.ts";
