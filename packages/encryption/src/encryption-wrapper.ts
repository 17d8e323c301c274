import {
  BaseWrapper,
  type KeyValue,
  messageOf,
  type Value,
  type ValueLocation,
} from "@kv/protocol";
import { AesGcmCipher } from "./aes-gcm.ts";
import { fromBase64, utf8Bytes, utf8Text } from "./bytes.ts";
import { type Cipher, isEncrypted } from "./envelope.ts";
import { DecryptionError, EncryptionError } from "./errors.ts";
import { deriveFernetKey, FernetCipher, parseFernetKey } from "./fernet.ts";

/** One AES-256-GCM key and the id stored with every value it encrypts. */
export interface EncryptionKey {
  /** A short, stable, non-secret name for the key, stored next to each value (e.g. `"2026-01"`). */
  id: string;
  /** The 32-byte key, as bytes or as base64 text (standard or URL-safe). */
  key: Uint8Array | string;
}

/** What both modes accept. */
interface CommonOptions {
  /** Throw `DecryptionError` for a value that cannot be decrypted; when false it reads as `undefined`. @default true */
  throwOnDecryptionError?: boolean | undefined;
  /** Return values stored without encryption (written before the wrapper was added) as they are; when false they are refused like undecryptable ones. @default false */
  acceptUnencrypted?: boolean | undefined;
}

/** The default mode: AES-256-GCM bound to collection and key, with key rotation. */
export interface AesGcmEncryptionOptions extends CommonOptions {
  /** The encryption format. @default "aes-256-gcm" */
  mode?: "aes-256-gcm" | undefined;
  /** The keys: values are encrypted with the first and decrypted with the one they name. */
  keys: readonly EncryptionKey[];
}

/** py-key-value's Fernet format, with a key derived from source material and a salt. */
export interface FernetDerivedOptions extends CommonOptions {
  /** The encryption format. */
  mode: "fernet";
  /** The secret the key is derived from (py `source_material`). */
  sourceMaterial: string;
  /** The salt of the derivation (py `salt`). */
  salt: string;
  /** Not with `sourceMaterial`. */
  fernetKeys?: undefined;
}

/** py-key-value's Fernet format, with explicit keys (py `fernet=MultiFernet([...])`). */
export interface FernetKeysOptions extends CommonOptions {
  /** The encryption format. */
  mode: "fernet";
  /** Fernet keys (URL-safe base64, 44 characters): encrypt with the first, decrypt with any. */
  fernetKeys: readonly string[];
  /** Not with `fernetKeys`. */
  sourceMaterial?: undefined;
  /** Not with `fernetKeys`. */
  salt?: undefined;
}

/** Options of `EncryptionWrapper`: one of the two modes. */
export type EncryptionWrapperOptions =
  | AesGcmEncryptionOptions
  | FernetDerivedOptions
  | FernetKeysOptions;

/**
 * Encrypts values before they reach the inner store and decrypts them on the way back.
 * Keys, collections and TTLs are stored in the clear; only values are encrypted.
 *
 * The default mode is AES-256-GCM with a random nonce per value, the collection and key bound as
 * associated data (a ciphertext copied to another key does not decrypt) and a key id stored with
 * each value, so several keys can be configured for rotation. The Fernet mode reads and writes
 * the format of py-key-value's `FernetEncryptionWrapper`.
 */
export class EncryptionWrapper extends BaseWrapper {
  private readonly cipher: Cipher;
  private readonly throwOnDecryptionError: boolean;
  private readonly acceptUnencrypted: boolean;

  /** @throws TypeError when no key is given, a key is malformed, or key ids repeat */
  constructor(store: KeyValue, options: EncryptionWrapperOptions) {
    super(store);
    this.cipher = options.mode === "fernet" ? fernetCipher(options) : aesGcmCipher(options);
    this.throwOnDecryptionError = options.throwOnDecryptionError ?? true;
    this.acceptUnencrypted = options.acceptUnencrypted ?? false;
  }

  /**
   * Encrypts a value on its way to the inner store (after BaseWrapper validated the input).
   * @throws EncryptionError
   */
  protected override async encodeValue(value: Value, location: ValueLocation): Promise<Value> {
    try {
      return await this.cipher.seal(utf8Bytes(JSON.stringify(value)), location);
    } catch (error) {
      throw new EncryptionError({ ...location, cause: error });
    }
  }

  /**
   * Decrypts a stored value; one that cannot be decrypted reads as missing when
   * `throwOnDecryptionError` is false.
   * @throws DecryptionError
   */
  protected override async decodeValue(
    stored: Value,
    location: ValueLocation,
  ): Promise<Value | undefined> {
    let failure: unknown;
    if (!isEncrypted(stored)) {
      if (this.acceptUnencrypted) return stored;
      failure = new Error("The stored value is not encrypted (set acceptUnencrypted to read it)");
    } else {
      try {
        const value: unknown = JSON.parse(utf8Text(await this.cipher.open(stored, location)));
        if (typeof value === "object" && value !== null && !Array.isArray(value)) {
          return value as Value;
        }
        failure = new Error("The decrypted data is not a JSON object");
      } catch (error) {
        failure = error;
      }
    }
    if (!this.throwOnDecryptionError) return undefined;
    throw new DecryptionError({
      ...location,
      cause: failure,
      message: `The stored value could not be decrypted: ${messageOf(failure)}`,
    });
  }
}

function aesGcmCipher(options: AesGcmEncryptionOptions): Cipher {
  const keys = new Map<string, Uint8Array<ArrayBuffer>>();
  if (!Array.isArray(options.keys) || options.keys.length === 0) {
    throw new TypeError("EncryptionWrapper needs at least one key");
  }
  for (const { id, key } of options.keys) {
    if (typeof id !== "string" || id.length === 0) {
      throw new TypeError("Every key needs a non-empty string id");
    }
    if (keys.has(id)) throw new TypeError(`Key id "${id}" is given twice`);
    keys.set(id, keyBytes(key, id));
  }
  const [first] = options.keys;
  return new AesGcmCipher(keys, first?.id ?? "");
}

function keyBytes(key: Uint8Array | string, id: string): Uint8Array<ArrayBuffer> {
  let bytes: Uint8Array<ArrayBuffer> | undefined;
  if (key instanceof Uint8Array) bytes = new Uint8Array(key);
  else if (typeof key === "string" && /^[A-Za-z0-9+/_-]+={0,2}$/.test(key)) {
    try {
      bytes = fromBase64(key);
    } catch {
      bytes = undefined;
    }
  }
  if (bytes?.length !== 32) {
    throw new TypeError(`Key "${id}" must be 32 bytes (or their base64 text) for AES-256-GCM`);
  }
  return bytes;
}

function fernetCipher(options: FernetDerivedOptions | FernetKeysOptions): Cipher {
  if (options.fernetKeys !== undefined) {
    if (options.sourceMaterial !== undefined || options.salt !== undefined) {
      throw new TypeError("Give either fernetKeys or sourceMaterial and salt, not both");
    }
    if (!Array.isArray(options.fernetKeys) || options.fernetKeys.length === 0) {
      throw new TypeError("fernetKeys needs at least one key");
    }
    return new FernetCipher(Promise.resolve(options.fernetKeys.map(parseFernetKey)));
  }
  const { sourceMaterial, salt } = options;
  if (typeof sourceMaterial !== "string" || sourceMaterial.trim() === "") {
    throw new TypeError("Fernet mode needs sourceMaterial (or fernetKeys)");
  }
  if (typeof salt !== "string" || salt.trim() === "") {
    throw new TypeError("Fernet mode needs a salt with sourceMaterial");
  }
  const derived = deriveFernetKey(sourceMaterial, salt).then((key) => [key]);
  void derived.catch(() => undefined);
  return new FernetCipher(derived);
}
