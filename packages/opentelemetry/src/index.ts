export {
  OpenTelemetryWrapper,
  type OpenTelemetryWrapperOptions,
} from "./opentelemetry-wrapper.ts";
