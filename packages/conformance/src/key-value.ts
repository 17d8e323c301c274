import { afterEach, beforeEach, describe } from "vitest";
import { describeAtomicOperations } from "./atomic.ts";
import { describeBasic, describeCopySemantics } from "./basic.ts";
import { describeBulk } from "./bulk.ts";
import { describeCapabilities } from "./capabilities.ts";
import { describeCollections } from "./collections.ts";
import { type ConformanceOptions, createSuiteContext } from "./context.ts";
import { describeErrors, describeInputValidation } from "./input-validation.ts";
import { describeOrdering } from "./ordering.ts";
import { describeTtl } from "./ttl.ts";

// Every export of the group and helper modules is public.
export * from "./atomic.ts";
export * from "./basic.ts";
export * from "./bulk.ts";
export * from "./capabilities.ts";
export * from "./collections.ts";
export * from "./context.ts";
export * from "./entry-document.ts";
export * from "./helpers.ts";
export * from "./input-validation.ts";
export * from "./ordering.ts";
export * from "./ttl.ts";

/**
 * Registers the whole behavioural suite for a store (vitest): basic operations, copy semantics,
 * bulk calls, TTL, collection isolation with hostile names, input validation, errors, the order
 * of one turn's calls (for a store that declares `answersInOrder`), every optional capability
 * the store declares, and its atomic operations (between two instances when `createPeer` is
 * given). `createStore` is called once per test; the store is closed after it. Nothing can be
 * switched off: options only state the backend's real properties and limits.
 *
 * The store's capabilities are read from one probe store made when the suite is registered,
 * so call this at the top level of a test file with top-level `await` available, or pass a
 * store synchronously.
 */
export async function describeConformance(
  name: string,
  options: ConformanceOptions,
): Promise<void> {
  const probe = await options.createStore();
  const { context, setUp, tearDown } = createSuiteContext(options);
  describe(name, () => {
    beforeEach(setUp);
    afterEach(tearDown);
    describeBasic(context);
    describeCopySemantics(context);
    describeBulk(context);
    describeTtl(context);
    describeCollections(context);
    describeInputValidation(context);
    describeErrors(context);
    describeOrdering(context);
    describeCapabilities(context, probe);
    describeAtomicOperations(context, probe);
  });
  const closable = probe as { close?: () => Promise<void> };
  if (typeof closable.close === "function") await closable.close();
}
