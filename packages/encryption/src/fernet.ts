import { createCipheriv, createDecipheriv, createHmac, pbkdf2, timingSafeEqual } from "node:crypto";
import type { Value } from "@kv/protocol";
import { type Cipher, dataField, readEnvelope, versionField } from "./envelope.ts";
import { takeRandomBytes } from "./random-pool.ts";

/** The PBKDF2-HMAC-SHA256 iteration count py-key-value derives its Fernet key with. */
const kdfIterations = 1_200_000;
const tokenVersion = 0x80;
const headerLength = 1 + 8 + 16;
const hmacLength = 32;

/**
 * Derives a Fernet key from source material and a salt exactly as py-key-value does: PBKDF2 with
 * HMAC-SHA256, 1 200 000 iterations, both strings as UTF-8, 32 bytes.
 */
export function deriveFernetKey(sourceMaterial: string, salt: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    pbkdf2(sourceMaterial, salt, kdfIterations, 32, "sha256", (error, key) =>
      error === null ? resolve(key) : reject(error),
    );
  });
}

/**
 * Reads a Fernet key: 32 bytes in URL-safe base64, as `Fernet.generate_key()` prints it.
 * @throws TypeError when it is not
 */
export function parseFernetKey(text: string): Buffer {
  if (typeof text !== "string" || !/^[A-Za-z0-9_-]{43}=?$/.test(text)) {
    throw new TypeError("A Fernet key must be 32 bytes in URL-safe base64 (44 characters)");
  }
  return Buffer.from(text, "base64url");
}

/** Encrypts to a Fernet token (the spec's URL-safe base64 text, padded) with a 32-byte key. */
export function fernetEncrypt(key: Buffer, plaintext: Buffer, nowMs: number = Date.now()): string {
  const iv = takeRandomBytes(16);
  const header = Buffer.alloc(9);
  header[0] = tokenVersion;
  header.writeBigUInt64BE(BigInt(Math.floor(nowMs / 1000)), 1);
  const cipher = createCipheriv("aes-128-cbc", key.subarray(16), iv);
  const body = Buffer.concat([header, iv, cipher.update(plaintext), cipher.final()]);
  const mac = createHmac("sha256", key.subarray(0, 16)).update(body).digest();
  return Buffer.concat([body, mac]).toString("base64").replaceAll("+", "-").replaceAll("/", "_");
}

/**
 * Decrypts a Fernet token with a 32-byte key, checking its HMAC before anything else.
 * The token's timestamp is not checked (py-key-value sets no TTL on tokens).
 * @throws Error when the token is malformed or was not made with this key
 */
export function fernetDecrypt(key: Buffer, token: string): Buffer {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(token)) throw new Error("Fernet token is not URL-safe base64");
  const bytes = Buffer.from(token, "base64url");
  const cipherLength = bytes.length - headerLength - hmacLength;
  if (bytes[0] !== tokenVersion || cipherLength < 16 || cipherLength % 16 !== 0) {
    throw new Error("Fernet token is malformed or truncated");
  }
  const body = bytes.subarray(0, bytes.length - hmacLength);
  const expected = createHmac("sha256", key.subarray(0, 16)).update(body).digest();
  if (!timingSafeEqual(expected, bytes.subarray(bytes.length - hmacLength))) {
    throw new Error("Fernet token signature does not match: tampered with or another key");
  }
  const decipher = createDecipheriv(
    "aes-128-cbc",
    key.subarray(16),
    body.subarray(9, headerLength),
  );
  return Buffer.concat([decipher.update(body.subarray(headerLength)), decipher.final()]);
}

/**
 * py-key-value's Fernet format: `{"__encrypted_data__": base64(token), "__encryption_version__": 1}`.
 * Encrypts with the first key and decrypts with any (as `MultiFernet` does). Fernet has no
 * associated data, so a value is not bound to its key or collection.
 */
export class FernetCipher implements Cipher {
  private readonly keys: Promise<readonly Buffer[]>;

  constructor(keys: Promise<readonly Buffer[]>) {
    this.keys = keys;
  }

  async seal(plaintext: Buffer): Promise<Value> {
    const [first] = await this.keys;
    if (first === undefined) throw new Error("No Fernet key is configured");
    const token = fernetEncrypt(first, plaintext);
    return { [dataField]: Buffer.from(token, "ascii").toString("base64"), [versionField]: 1 };
  }

  async open(stored: Value): Promise<Buffer> {
    const { version, data } = readEnvelope(stored);
    if (version !== 1) {
      throw new Error(
        version === 2
          ? "The value was encrypted with AES-256-GCM; this wrapper is in Fernet mode"
          : `Encryption version ${version} is not supported (Fernet is version 1)`,
      );
    }
    const token = data.toString("latin1");
    let failure: unknown;
    for (const key of await this.keys) {
      try {
        return fernetDecrypt(key, token);
      } catch (error) {
        failure ??= error;
      }
    }
    throw failure ?? new Error("No Fernet key is configured");
  }
}
