import { errorCode, isMissing, LockHeldError, toFileStoreError } from "@kv/atomic-files";
import { InvalidKeyError, StoreConnectionError, StoreError } from "@kv/protocol";
import { describe, expect, it } from "vitest";

const failure = (code: string, message: string) => Object.assign(new Error(message), { code });

describe("toFileStoreError", () => {
  it("maps transient file-system errors to StoreConnectionError, others to StoreError", () => {
    const busy = failure("EMFILE", "too many open files");
    const full = failure("ENOSPC", "no space left");
    const transient = toFileStoreError(busy, { operation: "put", key: "k" });
    expect(StoreConnectionError.isInstance(transient)).toBe(true);
    expect(transient.cause).toBe(busy);
    const permanent = toFileStoreError(full, { operation: "put", key: "k" });
    expect(StoreError.isInstance(permanent)).toBe(true);
    expect(StoreConnectionError.isInstance(permanent)).toBe(false);
    expect(permanent.cause).toBe(full);
  });

  it("counts busy, interrupted, timed out and out of descriptors as transient, and names the call", () => {
    for (const code of ["EMFILE", "ENFILE", "EAGAIN", "EBUSY", "ETIMEDOUT", "EINTR"]) {
      const mapped = toFileStoreError(failure(code, code), { operation: "get", collection: "c" });
      expect(mapped).toMatchObject({ transient: true, operation: "get", collection: "c" });
    }
    for (const code of ["EACCES", "ENOSPC", "EROFS", "EISDIR"]) {
      expect(toFileStoreError(failure(code, code), { operation: "get" }).transient).toBe(false);
    }
  });

  it("passes an error of this library through unchanged", () => {
    const invalid = new InvalidKeyError({ key: "k" });
    expect(toFileStoreError(invalid, { operation: "put" })).toBe(invalid);
  });
});

describe("errorCode and isMissing", () => {
  it("read the code of a failed system call, and tell a missing path from other failures", () => {
    expect(errorCode(failure("ENOENT", "gone"))).toBe("ENOENT");
    expect(errorCode(new Error("no code"))).toBeUndefined();
    expect(errorCode(null)).toBeUndefined();
    expect(isMissing(failure("ENOENT", "gone"))).toBe(true);
    expect(isMissing(failure("ENOTDIR", "a file on the way"))).toBe(true);
    expect(isMissing(failure("EACCES", "denied"))).toBe(false);
  });
});

describe("LockHeldError", () => {
  it("is a transient StoreError naming the lock and its holder", () => {
    const error = new LockHeldError({ lockPath: "/data/a.lock", pid: 42, waitedMs: 0 });
    expect(StoreError.isInstance(error)).toBe(true);
    expect(error.transient).toBe(true);
    expect(error.message).toContain("/data/a.lock is held by process 42");
    expect(new LockHeldError({ lockPath: "/b.lock", waitedMs: 5 }).message).toContain(
      "another process",
    );
  });
});
