import { afterEach, describe, expect, it, vi } from "vitest";

const UNTRACED_METHOD = Symbol.for("@kv/protocol:untraced-method");

/** The original a traced method keeps under the registered symbol, if any. */
function originalOf(method: unknown): unknown {
  return (method as Record<symbol, unknown>)[UNTRACED_METHOD];
}

describe("tracing where the runtime has no node:diagnostics_channel (browsers, Workers)", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  it("leaves the methods as they are, so a call costs nothing more", async () => {
    vi.resetModules();
    vi.stubGlobal("process", { ...process, getBuiltinModule: undefined });
    const { traceMethods } = await import("../src/tracing.ts");
    const get = async () => "value";
    const prototype = { get };
    traceMethods(prototype, [{ name: "get", operation: "get", keyAt: 0, optionsAt: 1 }]);
    expect(prototype.get).toBe(get);
    expect(originalOf(prototype.get)).toBeUndefined();
  });

  it("wraps them where it has one (Node, Bun, Deno), keeping the original under a registered symbol any copy of the protocol finds", async () => {
    vi.resetModules();
    const { traceMethods } = await import("../src/tracing.ts");
    const get = async () => "value";
    const prototype = { get };
    traceMethods(prototype, [{ name: "get", operation: "get", keyAt: 0, optionsAt: 1 }]);
    expect(prototype.get).not.toBe(get);
    expect(originalOf(prototype.get)).toBe(get);
    expect(Object.keys(prototype.get)).toEqual([]);
  });
});
