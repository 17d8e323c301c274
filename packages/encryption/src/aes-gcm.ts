import type { Value } from "@kv/protocol";
import { concatBytes, toBase64, utf8Bytes, type WebCryptoKey } from "./bytes.ts";
import {
  type Cipher,
  dataField,
  keyIdField,
  type Location,
  readEnvelope,
  versionField,
} from "./envelope.ts";
import { nodeCrypto } from "./node-crypto.ts";
import { takeRandomBytes } from "./random-pool.ts";

const formatVersion = 2;
const nonceLength = 12;
const tagLength = 16;

/** The bytes bound to a ciphertext: format, key id, collection and key, unambiguously encoded. */
function associatedData(keyId: string, location: Location): Uint8Array<ArrayBuffer> {
  return utf8Bytes(
    JSON.stringify(["@kv/encryption", formatVersion, keyId, location.collection, location.key]),
  );
}

/**
 * AES-256-GCM (Web Crypto) with a random 96-bit nonce per value, stored as
 * `{"__encrypted_data__": base64(nonce ‖ ciphertext ‖ tag), "__encryption_version__": 2,
 * "__encryption_key_id__": id}`. The collection, key and key id are authenticated as associated
 * data. Encrypts with the first key; decrypts with the key the value names.
 */
export class AesGcmCipher implements Cipher {
  private readonly keys: ReadonlyMap<string, Uint8Array<ArrayBuffer>>;
  private readonly imported = new Map<string, Promise<WebCryptoKey>>();
  private readonly currentId: string;

  constructor(keys: ReadonlyMap<string, Uint8Array<ArrayBuffer>>, currentId: string) {
    this.keys = keys;
    this.currentId = currentId;
  }

  async seal(plaintext: Uint8Array<ArrayBuffer>, location: Location): Promise<Value> {
    const nonce = takeRandomBytes(nonceLength);
    const node = nodeCrypto();
    if (node !== null) {
      const cipher = node.createCipheriv("aes-256-gcm", this.keyBytes(this.currentId), nonce, {
        authTagLength: tagLength,
      });
      cipher.setAAD(associatedData(this.currentId, location));
      const sealed = concatBytes(cipher.update(plaintext), cipher.final(), cipher.getAuthTag());
      return this.envelope(concatBytes(nonce, sealed));
    }
    const key = await this.cryptoKey(this.currentId);
    const sealed = await globalThis.crypto.subtle.encrypt(
      {
        name: "AES-GCM",
        iv: nonce,
        additionalData: associatedData(this.currentId, location),
        tagLength: tagLength * 8,
      },
      key,
      plaintext,
    );
    return this.envelope(concatBytes(nonce, new Uint8Array(sealed)));
  }

  private envelope(data: Uint8Array): Value {
    return {
      [dataField]: toBase64(data),
      [versionField]: formatVersion,
      [keyIdField]: this.currentId,
    };
  }

  async open(stored: Value, location: Location): Promise<Uint8Array> {
    const { version, data } = readEnvelope(stored);
    if (version !== formatVersion) {
      throw new Error(
        version === 1
          ? "The value was encrypted with Fernet; this wrapper is in AES-256-GCM mode"
          : `Encryption version ${version} is not supported (AES-256-GCM is version 2)`,
      );
    }
    const keyId = stored[keyIdField];
    if (typeof keyId !== "string") throw new Error(`${keyIdField} is missing or not a string`);
    if (data.length < nonceLength + tagLength) throw new Error("The ciphertext is truncated");
    const node = nodeCrypto();
    if (node !== null) {
      const decipher = node.createDecipheriv(
        "aes-256-gcm",
        this.keyBytes(keyId),
        data.subarray(0, nonceLength),
        { authTagLength: tagLength },
      );
      decipher.setAAD(associatedData(keyId, location));
      decipher.setAuthTag(data.subarray(data.length - tagLength));
      return concatBytes(
        decipher.update(data.subarray(nonceLength, data.length - tagLength)),
        decipher.final(),
      );
    }
    const key = await this.cryptoKey(keyId);
    try {
      const plaintext = await globalThis.crypto.subtle.decrypt(
        {
          name: "AES-GCM",
          iv: data.subarray(0, nonceLength),
          additionalData: associatedData(keyId, location),
          tagLength: tagLength * 8,
        },
        key,
        data.subarray(nonceLength),
      );
      return new Uint8Array(plaintext);
    } catch (error) {
      throw new Error(
        "The ciphertext does not authenticate: altered, moved to another key, or another key",
        { cause: error },
      );
    }
  }

  /** The bytes of a key id's key. @throws Error when no key has that id */
  private keyBytes(id: string): Uint8Array<ArrayBuffer> {
    const bytes = this.keys.get(id);
    if (bytes === undefined) {
      throw new Error(
        id === this.currentId ? `No key with id ${id}` : `No key with id "${id}" is configured`,
      );
    }
    return bytes;
  }

  /** The Web Crypto key of a key id, imported once. @throws Error when no key has that id */
  private cryptoKey(id: string): Promise<WebCryptoKey> {
    let key = this.imported.get(id);
    if (key === undefined) {
      const bytes = this.keyBytes(id);
      key = globalThis.crypto.subtle.importKey("raw", bytes, "AES-GCM", false, [
        "encrypt",
        "decrypt",
      ]);
      this.imported.set(id, key);
    }
    return key;
  }
}
