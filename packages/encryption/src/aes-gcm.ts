import { createCipheriv, createDecipheriv } from "node:crypto";
import type { Value } from "@kv/protocol";
import {
  type Cipher,
  dataField,
  keyIdField,
  type Location,
  readEnvelope,
  versionField,
} from "./envelope.ts";
import { takeRandomBytes } from "./random-pool.ts";

const formatVersion = 2;
const nonceLength = 12;
const tagLength = 16;

/** The bytes bound to a ciphertext: format, key id, collection and key, unambiguously encoded. */
function associatedData(keyId: string, location: Location): Buffer {
  return Buffer.from(
    JSON.stringify(["@kv/encryption", formatVersion, keyId, location.collection, location.key]),
  );
}

/**
 * AES-256-GCM with a random 96-bit nonce per value, stored as
 * `{"__encrypted_data__": base64(nonce ‖ ciphertext ‖ tag), "__encryption_version__": 2,
 * "__encryption_key_id__": id}`. The collection, key and key id are authenticated as associated
 * data. Encrypts with the first key; decrypts with the key the value names.
 */
export class AesGcmCipher implements Cipher {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly currentId: string;

  constructor(keys: ReadonlyMap<string, Buffer>, currentId: string) {
    this.keys = keys;
    this.currentId = currentId;
  }

  async seal(plaintext: Buffer, location: Location): Promise<Value> {
    const key = this.keys.get(this.currentId);
    if (key === undefined) throw new Error(`No key with id ${this.currentId}`);
    const nonce = takeRandomBytes(nonceLength);
    const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: tagLength });
    cipher.setAAD(associatedData(this.currentId, location));
    const data = Buffer.concat([
      nonce,
      cipher.update(plaintext),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return {
      [dataField]: data.toString("base64"),
      [versionField]: formatVersion,
      [keyIdField]: this.currentId,
    };
  }

  async open(stored: Value, location: Location): Promise<Buffer> {
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
    const key = this.keys.get(keyId);
    if (key === undefined) throw new Error(`No key with id "${keyId}" is configured`);
    if (data.length < nonceLength + tagLength) throw new Error("The ciphertext is truncated");
    const decipher = createDecipheriv("aes-256-gcm", key, data.subarray(0, nonceLength), {
      authTagLength: tagLength,
    });
    decipher.setAAD(associatedData(keyId, location));
    decipher.setAuthTag(data.subarray(data.length - tagLength));
    return Buffer.concat([
      decipher.update(data.subarray(nonceLength, data.length - tagLength)),
      decipher.final(),
    ]);
  }
}
