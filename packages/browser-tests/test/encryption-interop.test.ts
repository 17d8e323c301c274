import { describe, expect, it } from "vitest";
import {
  type AesFixture,
  aesFixture,
  type FernetFixture,
  makeFixtures,
  pythonFernet,
  readAesFixture,
  readFernetFixture,
  typescriptFernet,
} from "../../encryption/test/fixtures/interop.ts";
import fromChromium from "./fixtures/browser-encrypted.json" with { type: "json" };

function expectAllDecrypted(read: { value: unknown; expected: unknown }[]): void {
  expect(read.length).toBeGreaterThan(0);
  for (const { value, expected } of read) expect(value).toEqual(expected);
}

describe("EncryptionWrapper on Web Crypto (in Chromium, and in workerd through @kv/workerd-tests)", () => {
  it("decrypts what py-key-value's FernetEncryptionWrapper wrote", async () => {
    expectAllDecrypted(await readFernetFixture(pythonFernet));
  });

  it("decrypts what @kv/encryption on Node wrote in Fernet mode", async () => {
    expectAllDecrypted(await readFernetFixture(typescriptFernet));
  });

  it("decrypts what @kv/encryption on Node wrote in AES-256-GCM mode", async () => {
    expectAllDecrypted(await readAesFixture(aesFixture));
  });

  it("decrypts the committed values encrypted in Chromium (read on Node and by py-key-value too)", async () => {
    expectAllDecrypted(await readFernetFixture(fromChromium.fernet as FernetFixture));
    expectAllDecrypted(await readAesFixture(fromChromium.aes as AesFixture));
  });

  it("encrypts fresh values that read back with the same secrets", async () => {
    const { fernet, aes } = await makeFixtures("kv-browser-fixture-salt");
    expectAllDecrypted(await readFernetFixture(fernet));
    expectAllDecrypted(await readAesFixture(aes));
  });
});
