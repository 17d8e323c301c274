import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  type AesFixture,
  type FernetFixture,
  readAesFixture,
  readFernetFixture,
} from "../../../encryption/test/fixtures/interop.ts";
import fromChromium from "../fixtures/browser-encrypted.json" with { type: "json" };

const venv = process.env.KV_INTEROP_VENV ?? join(homedir(), ".cache", "kv-interop", "venv");
const python = join(venv, "bin", "python");

describe("values encrypted in Chromium (Web Crypto)", () => {
  it("decrypt on Node in Fernet and AES-256-GCM modes", async () => {
    for (const { value, expected } of [
      ...(await readFernetFixture(fromChromium.fernet as FernetFixture)),
      ...(await readAesFixture(fromChromium.aes as AesFixture)),
    ]) {
      expect(value).toEqual(expected);
    }
  });

  it("decrypt in py-key-value's FernetEncryptionWrapper", () => {
    if (!existsSync(python)) {
      throw new Error(`No Python environment at ${venv}: run bash scripts/python-interop.sh`);
    }
    const script = fileURLToPath(
      new URL("../../../encryption/test/fixtures/check-typescript-fixture.py", import.meta.url),
    );
    const fixture = fileURLToPath(new URL("../fixtures/browser-encrypted.json", import.meta.url));
    const output = execFileSync(python, [script, fixture, "fernet"], {
      encoding: "utf8",
      stdio: "pipe",
    });
    expect(output).toContain("py-key-value decrypted all 9 values of browser-encrypted.json");
  });
});
