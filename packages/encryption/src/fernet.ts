import type { Value } from "@kv/protocol";
import {
  binaryString,
  concatBytes,
  fromBase64,
  toBase64,
  toBase64Url,
  utf8Bytes,
  type WebCryptoKey,
} from "./bytes.ts";
import { type Cipher, dataField, readEnvelope, versionField } from "./envelope.ts";
import { nodeCrypto } from "./node-crypto.ts";
import { takeRandomBytes } from "./random-pool.ts";

/** The PBKDF2-HMAC-SHA256 iteration count py-key-value derives its Fernet key with. */
const kdfIterations = 1_200_000;
const tokenVersion = 0x80;
const headerLength = 1 + 8 + 16;
const hmacLength = 32;

/** The Web Crypto keys of a Fernet key: HMAC-SHA256 with its first half, AES-128-CBC with its second. */
interface WebFernetKey {
  readonly signing: WebCryptoKey;
  readonly encryption: WebCryptoKey;
}

/** A Fernet key: its 32 bytes, and their Web Crypto keys imported on first use. */
export interface FernetKey {
  readonly bytes: Uint8Array<ArrayBuffer>;
  web(): Promise<WebFernetKey>;
}

/**
 * Derives the 32 bytes of a Fernet key from source material and a salt exactly as py-key-value
 * does: PBKDF2 with HMAC-SHA256, 1 200 000 iterations, both strings as UTF-8.
 */
export async function deriveFernetKey(
  sourceMaterial: string,
  salt: string,
): Promise<Uint8Array<ArrayBuffer>> {
  const material = await globalThis.crypto.subtle.importKey(
    "raw",
    utf8Bytes(sourceMaterial),
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const bits = await globalThis.crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: utf8Bytes(salt), iterations: kdfIterations },
    material,
    256,
  );
  return new Uint8Array(bits);
}

/**
 * Reads a Fernet key: 32 bytes in URL-safe base64, as `Fernet.generate_key()` prints it.
 * @throws TypeError when it is not
 */
export function parseFernetKey(text: string): Uint8Array<ArrayBuffer> {
  if (typeof text !== "string" || !/^[A-Za-z0-9_-]{43}=?$/.test(text)) {
    throw new TypeError("A Fernet key must be 32 bytes in URL-safe base64 (44 characters)");
  }
  return fromBase64(text);
}

/** A Fernet key of 32 bytes. */
export function fernetKey(bytes: Uint8Array<ArrayBuffer>): FernetKey {
  let web: Promise<WebFernetKey> | undefined;
  return {
    bytes,
    web: () => {
      web ??= importFernetKey(bytes);
      return web;
    },
  };
}

async function importFernetKey(bytes: Uint8Array<ArrayBuffer>): Promise<WebFernetKey> {
  const subtle = globalThis.crypto.subtle;
  const [signing, encryption] = await Promise.all([
    subtle.importKey("raw", bytes.subarray(0, 16), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]),
    subtle.importKey("raw", bytes.subarray(16), "AES-CBC", false, ["encrypt", "decrypt"]),
  ]);
  return { signing, encryption };
}

/** Encrypts to a Fernet token (the spec's URL-safe base64 text, padded). */
export async function fernetEncrypt(
  key: FernetKey,
  plaintext: Uint8Array<ArrayBuffer>,
  nowMs: number = Date.now(),
): Promise<string> {
  const iv = takeRandomBytes(16);
  const header = new Uint8Array(9);
  header[0] = tokenVersion;
  new DataView(header.buffer).setBigUint64(1, BigInt(Math.floor(nowMs / 1000)));
  const node = nodeCrypto();
  if (node !== null) {
    const cipher = node.createCipheriv("aes-128-cbc", key.bytes.subarray(16), iv);
    const body = concatBytes(header, iv, cipher.update(plaintext), cipher.final());
    const mac = node.createHmac("sha256", key.bytes.subarray(0, 16)).update(body).digest();
    return toBase64Url(concatBytes(body, mac));
  }
  const web = await key.web();
  const ciphertext = await globalThis.crypto.subtle.encrypt(
    { name: "AES-CBC", iv },
    web.encryption,
    plaintext,
  );
  const body = concatBytes(header, iv, new Uint8Array(ciphertext));
  const mac = await globalThis.crypto.subtle.sign("HMAC", web.signing, body);
  return toBase64Url(concatBytes(body, new Uint8Array(mac)));
}

/**
 * Decrypts a Fernet token, checking its HMAC before anything else.
 * The token's timestamp is not checked (py-key-value sets no TTL on tokens).
 * @throws Error when the token is malformed or was not made with this key
 */
export async function fernetDecrypt(key: FernetKey, token: string): Promise<Uint8Array> {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(token)) throw new Error("Fernet token is not URL-safe base64");
  const bytes = fromBase64(token);
  const cipherLength = bytes.length - headerLength - hmacLength;
  if (bytes[0] !== tokenVersion || cipherLength < 16 || cipherLength % 16 !== 0) {
    throw new Error("Fernet token is malformed or truncated");
  }
  const body = bytes.subarray(0, bytes.length - hmacLength);
  const mac = bytes.subarray(bytes.length - hmacLength);
  const mismatch = "Fernet token signature does not match: tampered with or another key";
  const iv = body.subarray(9, headerLength);
  const node = nodeCrypto();
  if (node !== null) {
    const expected = node.createHmac("sha256", key.bytes.subarray(0, 16)).update(body).digest();
    if (!node.timingSafeEqual(expected, mac)) throw new Error(mismatch);
    const decipher = node.createDecipheriv("aes-128-cbc", key.bytes.subarray(16), iv);
    return concatBytes(decipher.update(body.subarray(headerLength)), decipher.final());
  }
  const web = await key.web();
  if (!(await globalThis.crypto.subtle.verify("HMAC", web.signing, mac, body))) {
    throw new Error(mismatch);
  }
  const plaintext = await globalThis.crypto.subtle.decrypt(
    { name: "AES-CBC", iv },
    web.encryption,
    body.subarray(headerLength),
  );
  return new Uint8Array(plaintext);
}

/**
 * py-key-value's Fernet format: `{"__encrypted_data__": base64(token), "__encryption_version__": 1}`.
 * Encrypts with the first key and decrypts with any (as `MultiFernet` does). Fernet has no
 * associated data, so a value is not bound to its key or collection.
 */
export class FernetCipher implements Cipher {
  private readonly keys: Promise<readonly FernetKey[]>;

  constructor(keys: Promise<readonly Uint8Array<ArrayBuffer>[]>) {
    this.keys = keys.then((list) => list.map(fernetKey));
    void this.keys.catch(() => undefined);
  }

  async seal(plaintext: Uint8Array<ArrayBuffer>): Promise<Value> {
    const [first] = await this.keys;
    if (first === undefined) throw new Error("No Fernet key is configured");
    const token = await fernetEncrypt(first, plaintext);
    return { [dataField]: toBase64(utf8Bytes(token)), [versionField]: 1 };
  }

  async open(stored: Value): Promise<Uint8Array> {
    const { version, data } = readEnvelope(stored);
    if (version !== 1) {
      throw new Error(
        version === 2
          ? "The value was encrypted with AES-256-GCM; this wrapper is in Fernet mode"
          : `Encryption version ${version} is not supported (Fernet is version 1)`,
      );
    }
    const token = binaryString(data);
    let failure: unknown;
    for (const key of await this.keys) {
      try {
        return await fernetDecrypt(key, token);
      } catch (error) {
        failure ??= error;
      }
    }
    throw failure ?? new Error("No Fernet key is configured");
  }
}
