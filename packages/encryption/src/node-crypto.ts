import type * as NodeCrypto from "node:crypto";

let found: typeof NodeCrypto | null | undefined;

/**
 * `node:crypto` where the runtime has it (Node, Bun, Deno), looked up on first use so that the
 * package loads anywhere; `null` elsewhere. Its synchronous ciphers cost a fraction of a Web
 * Crypto call for small values, so the ciphers use it when it is there and Web Crypto otherwise;
 * both write the same bytes.
 */
export function nodeCrypto(): typeof NodeCrypto | null {
  if (found === undefined) {
    const runtime = globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } };
    found =
      (runtime.process?.getBuiltinModule?.("node:crypto") as typeof NodeCrypto | undefined) ?? null;
  }
  return found;
}
