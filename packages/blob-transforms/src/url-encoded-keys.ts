import type { BlobStore } from "@kv/blob";
import { BlobStoreDecorator, keyPatternOf } from "./decorator.ts";

/** Any non-empty string of well-formed Unicode. */
const ANY_KEY = /^(?:[^\uD800-\uDFFF]|[\uD800-\uDBFF][\uDC00-\uDFFF])+$/;

/** Options of `UrlEncodedKeysBlobStore`. */
export interface UrlEncodedKeysBlobStoreOptions {
  /** Keep `/` as it is, encoding each segment. @default when the inner store's `keyPattern` accepts `a/b` */
  keepSlashes?: boolean | undefined;
}

/**
 * Accepts any key of well-formed Unicode and stores it URL-encoded in the inner store's keys:
 * every UTF-8 byte outside `A-Z a-z 0-9 - _ . ~` becomes `%XX` (upper-case hex), and a segment
 * that is only dots (`.`, `..`) is encoded whole. `/` is kept, so the hierarchy stays
 * (`photos/été.png` → `photos/%C3%A9t%C3%A9.png`), when the inner store accepts `/`; otherwise it
 * is encoded too. Listings decode. `urlFor` is forwarded (its URL names the encoded key).
 */
export class UrlEncodedKeysBlobStore extends BlobStoreDecorator {
  /** True when `/` is kept between encoded segments. */
  readonly keepSlashes: boolean;

  constructor(inner: BlobStore, options: UrlEncodedKeysBlobStoreOptions = {}) {
    super(inner, { keyPattern: ANY_KEY });
    this.keepSlashes = options.keepSlashes ?? keyPatternOf(inner)?.test("a/b") ?? true;
  }

  protected override innerKey(key: string): string {
    if (!this.keepSlashes) return encodeSegment(key);
    return key.split("/").map(encodeSegment).join("/");
  }

  protected override outerKey(innerKey: string): string | undefined {
    try {
      return decodeURIComponent(innerKey);
    } catch {
      return undefined;
    }
  }

  /** The encoded prefix without a last segment of dots or a lone high surrogate (filtered later). */
  protected override innerPrefix(prefix: string): string {
    let usable = /[\uD800-\uDBFF]$/.test(prefix) ? prefix.slice(0, -1) : prefix;
    const cut = this.keepSlashes ? usable.lastIndexOf("/") + 1 : 0;
    if (/^\.+$/.test(usable.slice(cut))) usable = usable.slice(0, cut);
    if (usable === "") return "";
    if (!this.keepSlashes) return encodeBytes(usable);
    return usable.split("/").map(encodeBytes).join("/");
  }
}

function encodeSegment(segment: string): string {
  return /^\.+$/.test(segment) ? "%2E".repeat(segment.length) : encodeBytes(segment);
}

function encodeBytes(text: string): string {
  let encoded = "";
  for (const byte of Buffer.from(text, "utf8")) {
    encoded += PLAIN.has(byte)
      ? String.fromCharCode(byte)
      : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return encoded;
}

const PLAIN = new Set(
  Array.from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~", (c) =>
    c.charCodeAt(0),
  ),
);
