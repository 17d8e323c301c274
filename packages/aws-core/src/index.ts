export {
  type SdkClientDefaults,
  type SdkTimeoutOptions,
  sdkClientDefaults,
} from "./client-defaults.ts";
export { hasSdkErrorName, httpStatusOf, isServerFault } from "./sdk-errors.ts";
