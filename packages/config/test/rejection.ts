import { expect } from "vitest";

/**
 * The error `promise` rejects with, after checking that it is an instance of `type`.
 * @throws an assertion error when the promise resolves or rejects with something else
 */
export async function rejection<E>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
): Promise<E> {
  const error = await promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(type);
  return error as E;
}
