import { EncryptionWrapper as NodeCryptoWrapper } from "@kv/encryption";
import { MemoryStore } from "@kv/memory";
import type { Value } from "@kv/protocol";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { aesFixture, pythonFernet } from "./fixtures/interop.ts";

/** The wrapper as it loads in a runtime without `node:crypto` (browsers, Workers): Web Crypto only. */
let WebCryptoWrapper: typeof NodeCryptoWrapper;

beforeAll(async () => {
  const primed = new NodeCryptoWrapper(new MemoryStore(), { keys: aesFixture.keys });
  await primed.put("k", { a: 1 });
  const getBuiltinModule = process.getBuiltinModule.bind(process);
  vi.stubGlobal("process", {
    ...process,
    getBuiltinModule: (id: string) => (id === "node:crypto" ? undefined : getBuiltinModule(id)),
  });
  vi.resetModules();
  ({ EncryptionWrapper: WebCryptoWrapper } = await import("../src/index.ts"));
  const { nodeCrypto } = await import("../src/node-crypto.ts");
  expect(nodeCrypto()).toBeNull();
});

afterAll(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
});

const modes = {
  "AES-256-GCM": { keys: aesFixture.keys },
  Fernet: { mode: "fernet", fernetKeys: pythonFernet.keys.fernetKeys },
} as const;

describe.each(Object.entries(modes))(
  "%s with Web Crypto, where node:crypto is missing",
  (_, options) => {
    it("reads what the node:crypto path wrote, and the reverse, in both directions byte-compatible", async () => {
      const inner = new MemoryStore();
      const byNode = new NodeCryptoWrapper(inner, options);
      const byWeb = new WebCryptoWrapper(inner, options);
      const value = { text: "h\u00e9llo \u2713", list: [1, 2, 3], nested: { deep: true } };
      await byNode.put("from-node", value, { collection: "c" });
      await byWeb.put("from-web", value, { collection: "c" });
      expect(await byWeb.get("from-node", { collection: "c" })).toEqual(value);
      expect(await byNode.get("from-web", { collection: "c" })).toEqual(value);
      const stored = (await inner.get("from-web", { collection: "c" })) as Value;
      expect(Object.keys(stored).sort()).toEqual(
        Object.keys((await inner.get("from-node", { collection: "c" })) as Value).sort(),
      );
    });

    it("refuses a value whose ciphertext was altered", async () => {
      const inner = new MemoryStore();
      const byWeb = new WebCryptoWrapper(inner, options);
      await byWeb.put("k", { a: 1 });
      const stored = (await inner.get("k")) as Record<string, unknown>;
      const data = String(stored.__encrypted_data__);
      const flipped = `${data.slice(0, 20)}${data[20] === "A" ? "B" : "A"}${data.slice(21)}`;
      await inner.put("k", { ...stored, __encrypted_data__: flipped });
      await expect(byWeb.get("k")).rejects.toThrow(/could not be decrypted/);
    });
  },
);

describe("committed fixtures read with Web Crypto", () => {
  it("reads the AES-256-GCM fixture", async () => {
    const inner = new MemoryStore();
    const wrapper = new WebCryptoWrapper(inner, { keys: aesFixture.keys });
    for (const { collection, key, stored, value } of aesFixture.entries) {
      await inner.put(key, stored, { collection });
      expect(await wrapper.get(key, { collection })).toEqual(value);
    }
  });

  it("reads values written by py-key-value's FernetEncryptionWrapper", async () => {
    const inner = new MemoryStore();
    const wrapper = new WebCryptoWrapper(inner, {
      mode: "fernet",
      fernetKeys: pythonFernet.keys.fernetKeys,
    });
    for (const { collection, key, stored, value } of pythonFernet.keys.entries) {
      await inner.put(key, stored, { collection });
      expect(await wrapper.get(key, { collection })).toEqual(value);
    }
  });
});
