export type {
  Logger,
  LoggingWrapperOptions,
  LogLevel,
  LogLevels,
  LogRecord,
} from "./logger.ts";
export { LoggingWrapper } from "./logging-wrapper.ts";
