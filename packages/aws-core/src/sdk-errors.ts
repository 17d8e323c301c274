/** What an AWS SDK v3 error carries besides its message. */
interface SdkErrorShape {
  name?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

function shapeOf(error: unknown): SdkErrorShape {
  return typeof error === "object" && error !== null ? (error as SdkErrorShape) : {};
}

/** True when the error's `name` (the service's error code, such as `NoSuchKey`) is one of `names`. */
export function hasSdkErrorName(error: unknown, ...names: string[]): boolean {
  const { name } = shapeOf(error);
  return typeof name === "string" && names.includes(name);
}

/** The HTTP status of an SDK error, when the service answered. */
export function httpStatusOf(error: unknown): number | undefined {
  const status = shapeOf(error).$metadata?.httpStatusCode;
  return typeof status === "number" ? status : undefined;
}

/** True for a failure on the service's side: `$fault: "server"`, or an HTTP status of 500 or more. */
export function isServerFault(error: unknown): boolean {
  const status = httpStatusOf(error);
  return shapeOf(error).$fault === "server" || (status !== undefined && status >= 500);
}
