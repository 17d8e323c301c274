export {
  SingleCollectionWrapper,
  type SingleCollectionWrapperOptions,
} from "./single-collection-wrapper.ts";
