import { describe, expect, it } from "vitest";
import aesFromNode from "../../encryption/test/fixtures/aes-256-gcm.json" with { type: "json" };
import fernetFromPython from "../../encryption/test/fixtures/python-fernet.json" with {
  type: "json",
};
import fernetFromNode from "../../encryption/test/fixtures/typescript-fernet.json" with {
  type: "json",
};
import fromChromium from "./fixtures/browser-encrypted.json" with { type: "json" };
import {
  type AesFixture,
  type FernetFixture,
  makeFixtures,
  readAesFixture,
  readFernetFixture,
} from "./fixtures/interop.ts";

function expectAllDecrypted(read: { value: unknown; expected: unknown }[]): void {
  expect(read.length).toBeGreaterThan(0);
  for (const { value, expected } of read) expect(value).toEqual(expected);
}

describe("EncryptionWrapper on Web Crypto (in Chromium, and in workerd through @kv/workerd-tests)", () => {
  it("decrypts what py-key-value's FernetEncryptionWrapper wrote", async () => {
    expectAllDecrypted(await readFernetFixture(fernetFromPython as FernetFixture));
  });

  it("decrypts what @kv/encryption on Node wrote in Fernet mode", async () => {
    expectAllDecrypted(await readFernetFixture(fernetFromNode as FernetFixture));
  });

  it("decrypts what @kv/encryption on Node wrote in AES-256-GCM mode", async () => {
    expectAllDecrypted(await readAesFixture(aesFromNode as AesFixture));
  });

  it("decrypts the committed values encrypted in Chromium (read on Node and by py-key-value too)", async () => {
    expectAllDecrypted(await readFernetFixture(fromChromium.fernet as FernetFixture));
    expectAllDecrypted(await readAesFixture(fromChromium.aes as AesFixture));
  });

  it("encrypts fresh values that read back with the same secrets", async () => {
    const { fernet, aes } = await makeFixtures();
    expectAllDecrypted(await readFernetFixture(fernet));
    expectAllDecrypted(await readAesFixture(aes));
  });
});
