import { hostname } from "node:os";
import { errorCode } from "./file-errors.ts";
import { hashName } from "./file-names.ts";

/** This host's tag in temporary and lock names: the first 8 hex digits of the SHA-256 of its name. */
export const hostTag: string = hashName(hostname()).slice(0, 8);

/**
 * True when `host` (a tag like `hostTag`) is this host and its process `pid` has exited. A
 * process on another host, or this process, never counts as dead.
 */
export function isDeadProcess(host: string, pid: number): boolean {
  return host === hostTag && pid !== process.pid && !isAlive(pid);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === "EPERM";
  }
}
