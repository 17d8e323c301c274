export type {
  CollectionRoutingOptions,
  KeyRoutingOptions,
  RouteFunction,
  RoutingWrapperOptions,
} from "./options.ts";
export { RoutingWrapper } from "./routing-wrapper.ts";
