import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  type BlobData,
  type BlobPutOptions,
  type BlobStore,
  type PutFileOptions,
  toBlobSource,
} from "@kv/blob";
import { BlobStoreDecorator, type BlobStoreDecoratorOptions } from "./decorator.ts";

/** Options of `GeneratedKeysBlobStore`. */
export interface GeneratedKeysBlobStoreOptions extends BlobStoreDecoratorOptions {
  /** `"uuid"`: a random UUID; `"sha256"`: the hex SHA-256 of the data. @default "uuid" */
  generate?: "uuid" | "sha256" | undefined;
  /** The key made from the id: `{}` stands for it (`"{}.png"`, `"uploads/{}"`). @default "{}" */
  template?: string | undefined;
}

/**
 * Makes up keys (simplekv's `UUIDDecorator` and `HashDecorator`): `add(data)` and `addFile(path)`
 * store under a generated key and return it; `put` and `putFile` take a key as usual. With `sha256` a stream is spooled to a temporary file
 * while it is hashed (bounded memory), then moved into the inner store under its hash key; equal
 * data gets the same key. A key given explicitly is used as it is. `urlFor` is forwarded.
 */
export class GeneratedKeysBlobStore extends BlobStoreDecorator {
  /** How ids are made. */
  readonly generate: "uuid" | "sha256";
  /** The key template, `{}` standing for the id. */
  readonly template: string;

  /** @throws RangeError for a template without exactly one `{}` or an unknown `generate` */
  constructor(inner: BlobStore, options: GeneratedKeysBlobStoreOptions = {}) {
    super(inner, options);
    const template = options.template ?? "{}";
    if (template.split("{}").length !== 2) {
      throw new RangeError(`template must hold {} exactly once, got ${JSON.stringify(template)}`);
    }
    const generate = options.generate ?? "uuid";
    if (generate !== "uuid" && generate !== "sha256") {
      throw new RangeError(`generate must be "uuid" or "sha256", got ${String(generate)}`);
    }
    this.template = template;
    this.generate = generate;
  }

  /**
   * Stores `data` under a generated key (simplekv's `put(None, data)`).
   * @returns the key made
   * @throws what `BlobStore.put` throws
   */
  async add(data: BlobData, options?: BlobPutOptions): Promise<string> {
    if (this.generate === "uuid") return this.#putAs(this.#keyFor(randomUUID()), data, options);
    const source = toBlobSource(data, { operation: "put" });
    if (source.bytes !== undefined) {
      const digest = createHash("sha256").update(source.bytes).digest("hex");
      return this.#putAs(this.#keyFor(digest), source.bytes, options);
    }
    return this.#spooled(Readable.from(source.chunks), (path, digest) =>
      this.#putFileAs(this.#keyFor(digest), path, { ...options, move: true }),
    );
  }

  /**
   * Stores the file under a generated key (simplekv's `put_file(None, path)`); with `sha256` the
   * file is read twice, once to hash it.
   * @returns the key made
   * @throws what `BlobStore.putFile` throws
   */
  async addFile(path: string, options?: PutFileOptions): Promise<string> {
    if (this.generate === "uuid") return this.#putFileAs(this.#keyFor(randomUUID()), path, options);
    const hash = createHash("sha256");
    await pipeline(createReadStream(path), hash);
    return this.#putFileAs(this.#keyFor(hash.digest("hex")), path, options);
  }

  #keyFor(id: string): string {
    return this.template.replace("{}", id);
  }

  async #putAs(key: string, data: BlobData, options: BlobPutOptions | undefined): Promise<string> {
    await super.put(key, data, options);
    return key;
  }

  async #putFileAs(
    key: string,
    path: string,
    options: PutFileOptions | undefined,
  ): Promise<string> {
    await super.putFile(key, path, options);
    return key;
  }

  /** Writes the stream to a temporary file while hashing it, then hands both over. */
  async #spooled(
    stream: Readable,
    store: (path: string, digest: string) => Promise<string>,
  ): Promise<string> {
    const directory = await mkdtemp(join(tmpdir(), "kv-blob-id-"));
    try {
      const path = join(directory, "data");
      const hash = createHash("sha256");
      const hashing = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          hash.update(chunk);
          done(null, chunk);
        },
      });
      await pipeline(stream, hashing, createWriteStream(path));
      return await store(path, hash.digest("hex"));
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }
}
