import {
  defineError,
  type ErrorClass,
  type KeyValueError,
  type KeyValueErrorOptions,
} from "@kv/protocol";

/** A container has no value for the key and no generator to make one. */
export interface NotFoundError extends KeyValueError {
  readonly name: "NotFoundError";
}
/** A container has no value for the key and no generator to make one. */
export const NotFoundError: ErrorClass<NotFoundError> = defineError({
  name: "NotFoundError",
  code: "NOT_FOUND",
  message: "The container holds no live value for the key and has no generator",
});

/** `createContainer` named a container that exists, without `existOk`. */
export interface ContainerAlreadyConfiguredError extends KeyValueError {
  readonly name: "ContainerAlreadyConfiguredError";
  /** The container's name. */
  readonly container: string;
}
/** `createContainer` named a container that exists, without `existOk`. */
export const ContainerAlreadyConfiguredError: ErrorClass<
  ContainerAlreadyConfiguredError,
  { container: string }
> = defineError({
  name: "ContainerAlreadyConfiguredError",
  code: "CONTAINER_ALREADY_CONFIGURED",
  fields: ["container"],
  message: (o) => `The container "${o.container}" is already configured`,
});

/** A container was asked for by a name that was never configured. */
export interface UnknownContainerError extends KeyValueError {
  readonly name: "UnknownContainerError";
  /** The name asked for. */
  readonly container: string;
}
/** A container was asked for by a name that was never configured. */
export const UnknownContainerError: ErrorClass<UnknownContainerError, { container: string }> =
  defineError({
    name: "UnknownContainerError",
    code: "UNKNOWN_CONTAINER",
    fields: ["container"],
    message: (o) => `No container is named "${o.container}"`,
  });

/** The factory ran longer than `hardTimeoutMs` and there was no stale value to serve. Transient. */
export interface FactoryTimeoutError extends KeyValueError {
  readonly name: "FactoryTimeoutError";
  /** The timeout that passed, in milliseconds. */
  readonly timeoutMs: number;
}
/** The factory ran longer than `hardTimeoutMs` and there was no stale value to serve. Transient. */
export const FactoryTimeoutError: ErrorClass<FactoryTimeoutError, { timeoutMs: number }> =
  defineError({
    name: "FactoryTimeoutError",
    code: "FACTORY_TIMEOUT",
    transient: true,
    fields: ["timeoutMs"],
    message: (o) => `The factory gave no value within ${o.timeoutMs} ms`,
  });

/**
 * Another process held the key's lease for longer than `lockWaitMs` without storing a value,
 * and there was no stale value to serve. Transient.
 */
export interface LockTimeoutError extends KeyValueError {
  readonly name: "LockTimeoutError";
  /** How long the caller waited, in milliseconds. */
  readonly waitedMs: number;
}
/**
 * Another process held the key's lease for longer than `lockWaitMs` without storing a value,
 * and there was no stale value to serve. Transient.
 */
export const LockTimeoutError: ErrorClass<LockTimeoutError, { waitedMs: number }> = defineError({
  name: "LockTimeoutError",
  code: "LOCK_TIMEOUT",
  transient: true,
  fields: ["waitedMs"],
  message: (o) => `Another process held the lease for ${o.waitedMs} ms without storing a value`,
});

/**
 * A factory error that was cached (`cacheErrors: true`), served again: `cachedName` and the
 * message are the original error's.
 */
export interface CachedFactoryError extends KeyValueError {
  readonly name: "CachedFactoryError";
  /** The `name` of the error the factory threw. */
  readonly cachedName: string;
}
/**
 * A factory error that was cached (`cacheErrors: true`), served again: `cachedName` and the
 * message are the original error's.
 */
export const CachedFactoryError: ErrorClass<
  CachedFactoryError,
  { cachedName: string } & KeyValueErrorOptions
> = defineError({
  name: "CachedFactoryError",
  code: "CACHED_FACTORY_ERROR",
  fields: ["cachedName"],
  message: (o) => `The factory failed earlier (${o.cachedName})`,
});
