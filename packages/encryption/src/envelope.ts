import type { Value } from "@kv/protocol";
import { fromBase64 } from "./bytes.ts";

/** The field holding the ciphertext, as py-key-value names it. */
export const dataField = "__encrypted_data__";
/** The field holding the format version: 1 is Fernet (py-key-value), 2 is AES-256-GCM. */
export const versionField = "__encryption_version__";
/** The field naming the key an AES-256-GCM value was encrypted with. */
export const keyIdField = "__encryption_key_id__";

/** Where a value lives; AES-256-GCM binds it to the ciphertext. */
export interface Location {
  collection: string;
  key: string;
}

/** An encryption format: turns plaintext into the stored object and back. */
export interface Cipher {
  /** Encrypts the UTF-8 JSON of a value into the object stored in its place. */
  seal(plaintext: Uint8Array<ArrayBuffer>, location: Location): Promise<Value>;
  /**
   * Decrypts a stored object back to the UTF-8 JSON of the value.
   * @throws Error saying why when the object cannot be decrypted
   */
  open(stored: Value, location: Location): Promise<Uint8Array>;
}

/** True when a stored object is in the encrypted form (it has the ciphertext field). */
export function isEncrypted(stored: Value): boolean {
  return Object.hasOwn(stored, dataField);
}

const base64Text = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Reads the version and the ciphertext bytes of a stored object.
 * @throws Error when a field is missing, of the wrong type, or not standard base64
 */
export function readEnvelope(stored: Value): { version: number; data: Uint8Array<ArrayBuffer> } {
  const version = stored[versionField];
  if (typeof version !== "number" || !Number.isInteger(version)) {
    throw new Error(`${versionField} is missing or not an integer`);
  }
  const data = stored[dataField];
  if (typeof data !== "string" || !base64Text.test(data)) {
    throw new Error(`${dataField} is missing or not base64 text`);
  }
  return { version, data: fromBase64(data) };
}
