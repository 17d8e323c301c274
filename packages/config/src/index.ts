export { type LoadConfigOptions, type LoadedConfig, loadConfig } from "./config.ts";
export type {
  BaseShape,
  CreateContext,
  KeyValueConstructor,
  StoreDefinition,
  StoreFactory,
  WrapperBases,
  WrapperDefinition,
  WrapperFactory,
} from "./definitions.ts";
export { loadExport, storeFromPackage, wrapperFromPackage } from "./definitions.ts";
export {
  ConfigCycleError,
  ConfigError,
  type ConfigErrorFields,
  ConfigSyntaxError,
  MissingPackageError,
  MissingVariableError,
  RegistryConflictError,
  UnknownOptionError,
  UnknownTypeError,
} from "./errors.ts";
export { type ImportModule, withApplicationFallback } from "./load.ts";
export {
  type OptionSpec,
  type OptionSpecs,
  type OptionType,
  redactCredentials,
} from "./options.ts";
export {
  type RegisterOptions,
  registeredStores,
  registeredWrappers,
  registerStore,
  registerWrapper,
} from "./registry.ts";
export {
  type OpenStoreOptions,
  openStore,
  type ParsedStoreUrl,
  parseStoreUrl,
  URL_SCHEMES,
  type UrlWrapper,
} from "./url.ts";
