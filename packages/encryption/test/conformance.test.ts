// Random key material from Web Crypto, so the same file runs in browsers (@kv/browser-tests).
import { describeConformance } from "@kv/conformance";
import { EncryptionWrapper } from "@kv/encryption";
import { MemoryStore } from "@kv/memory";

const randomKey = () => crypto.getRandomValues(new Uint8Array(32));
const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const base64url = (bytes: Uint8Array) => base64(bytes).replaceAll("+", "-").replaceAll("/", "_");

const keys = [
  { id: "current", key: randomKey() },
  { id: "previous", key: base64(randomKey()) },
];

await describeConformance("EncryptionWrapper (AES-256-GCM) around MemoryStore", {
  createStore: () => new EncryptionWrapper(new MemoryStore(), { keys }),
});

await describeConformance("EncryptionWrapper (Fernet) around MemoryStore", {
  createStore: () =>
    new EncryptionWrapper(new MemoryStore(), {
      mode: "fernet",
      fernetKeys: [base64url(randomKey())],
    }),
});
