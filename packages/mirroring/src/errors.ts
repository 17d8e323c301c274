import {
  defineError,
  type ErrorClass,
  isTransientError,
  messageOf,
  type Operation,
  StoreError,
} from "@kv/protocol";

/** One child store's failure within a call. */
export interface ChildFailure {
  /** The child's position in the list given to the constructor. */
  readonly index: number;
  /** What the child threw. */
  readonly error: unknown;
}

/** The children that failed in a call, and how many succeeded. */
export interface MirrorReport {
  /** The call. */
  readonly operation: Operation;
  /** Its collection, when it has one. */
  readonly collection: string | undefined;
  /** Every child that failed, in child order. */
  readonly failures: readonly ChildFailure[];
  /** How many children succeeded (a read counts the one that answered). */
  readonly succeeded: number;
}

/**
 * Child stores failed: a write failed on some of them (under `onPartialFailure: "fail"`) or on
 * all, or a read found no child that answered. `failures` holds every child's error; it is
 * transient when every one of them is.
 */
export interface MirroringError extends StoreError {
  readonly name: "MirroringError";
  /** Every child that failed, in child order. */
  readonly failures: readonly ChildFailure[];
  /** How many children succeeded (they keep the write). */
  readonly succeeded: number;
}
/**
 * Child stores failed: a write failed on some of them (under `onPartialFailure: "fail"`) or on
 * all, or a read found no child that answered. `failures` holds every child's error; it is
 * transient when every one of them is.
 */
export const MirroringError: ErrorClass<
  MirroringError,
  { failures: readonly ChildFailure[]; succeeded: number }
> = defineError({
  name: "MirroringError",
  code: "MIRRORING",
  parent: StoreError,
  fields: ["failures", "succeeded"],
  message: ({ failures, succeeded }) =>
    `${failures.length} of ${failures.length + succeeded} child stores failed, the first with: ${messageOf(failures[0]?.error)}`,
});

/** The error for a report, transient when every failure in it is. */
export function mirroringError(report: MirrorReport): MirroringError {
  const { operation, collection, failures, succeeded } = report;
  const cause = failures[0]?.error;
  const error = new MirroringError({ operation, collection, failures, succeeded, cause });
  const transient = failures.every(({ error }) => isTransientError(error));
  return Object.defineProperty(error, "transient", { value: transient });
}
