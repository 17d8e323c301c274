import { randomBytes } from "node:crypto";
import { describeConformance } from "@kv/conformance";
import { EncryptionWrapper } from "@kv/encryption";
import { MemoryStore } from "@kv/memory";

const keys = [
  { id: "current", key: randomBytes(32) },
  { id: "previous", key: randomBytes(32).toString("base64") },
];

await describeConformance("EncryptionWrapper (AES-256-GCM) around MemoryStore", {
  createStore: () => new EncryptionWrapper(new MemoryStore(), { keys }),
});

await describeConformance("EncryptionWrapper (Fernet) around MemoryStore", {
  createStore: () =>
    new EncryptionWrapper(new MemoryStore(), {
      mode: "fernet",
      fernetKeys: [randomBytes(32).toString("base64url")],
    }),
});
