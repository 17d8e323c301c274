import type { FileHandle } from "node:fs/promises";

/**
 * The open archive and the streams reading it. When `compact()` puts a new file in its place, the
 * old one stays open until its last stream ends.
 */
export class ArchiveFile {
  readonly handle: FileHandle;
  #readers = 0;
  #retired = false;

  constructor(handle: FileHandle) {
    this.handle = handle;
  }

  /** A stream starts reading this file. */
  acquire(): void {
    this.#readers++;
  }

  /** A stream has finished; the last one closes a retired file. */
  async release(): Promise<void> {
    this.#readers--;
    if (this.#retired && this.#readers === 0) await this.handle.close();
  }

  /** The file has been replaced: close it now, or when its last stream ends. */
  async retire(): Promise<void> {
    this.#retired = true;
    if (this.#readers === 0) await this.handle.close();
  }
}
