import { type Capabilities, type Capability, type KeyValue, supports } from "@kv/protocol";
import { CliError } from "./cli-error.ts";

/** The class name of a store, for messages. */
export function storeName(store: KeyValue): string {
  const name = (store as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name !== "" && name !== "Object" ? name : "the store";
}

/**
 * Throws unless the store offers the capability a command needs.
 * @throws CliError (exit 1) naming the command, the capability and the store
 */
export function need<S extends KeyValue, C extends Capability>(
  command: string,
  store: S,
  capability: C,
  does: string,
): asserts store is S & Capabilities[C] {
  if (supports(store, capability)) return;
  throw new CliError(
    `kv ${command} needs a store that can ${does} (the "${capability}" capability); ${storeName(store)} cannot`,
  );
}
