export {
  type CollectionStatistics,
  type LatencySummary,
  type OperationStatistics,
  type StatisticsSnapshot,
  StatisticsWrapper,
  type StatisticsWrapperOptions,
} from "./statistics-wrapper.ts";
