export {
  PrefixCollectionsWrapper,
  type PrefixCollectionsWrapperOptions,
} from "./prefix-collections-wrapper.ts";
