// EncryptionWrapper's conformance tests (AES-256-GCM and Fernet, over MemoryStore), with keys
// from Web Crypto, run in Chromium.
import "../../encryption/test/conformance.test.ts";
