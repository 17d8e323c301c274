export { type ChildFailure, MirroringError, type MirrorReport } from "./errors.ts";
export {
  MirroringWrapper,
  type MirroringWrapperOptions,
  type PartialFailurePolicy,
} from "./mirroring-wrapper.ts";
export type { RepairOptions, RepairResult } from "./repair.ts";
