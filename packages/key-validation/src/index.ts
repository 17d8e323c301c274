export {
  type KeyRule,
  KeyValidationWrapper,
  type KeyValidationWrapperOptions,
} from "./key-validation-wrapper.ts";
export { VALID_KEY_REGEXP, VALID_KEY_REGEXP_EXTENDED } from "./presets.ts";
