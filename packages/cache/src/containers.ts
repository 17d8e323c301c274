import {
  isKeyValue,
  type KeyValue,
  StoreConfigurationError,
  type Ttl,
  validateCollection,
} from "@kv/protocol";
import { type Cache, type CacheEntryOptions, createCache, type FactoryContext } from "./cache.ts";
import { ContainerAlreadyConfiguredError, NotFoundError, UnknownContainerError } from "./errors.ts";

/** Makes the value of a key a container does not hold. Its result must survive `JSON.stringify`. */
export type ValueGenerator<T> = (key: string, context: FactoryContext) => T | Promise<T>;

/** How a container caches: its backend, expiry and generator, and any `getOrSet` option. */
export interface ContainerOptions<T = unknown>
  extends Omit<CacheEntryOptions, "collection" | "ttl"> {
  /** The backend: the name of one of `backends`, or a store. @default the only backend, when there is exactly one */
  backend?: string | KeyValue | undefined;
  /** How long a value stays valid: seconds, or a duration such as `"1m"` or `"30 seconds"`. @default forever */
  expire?: Ttl | undefined;
  /** Makes the value of a missing key; `registerGenerator` sets or replaces it later. */
  generator?: ValueGenerator<T> | undefined;
}

/** Options of `createContainer`. */
export interface CreateContainerOptions<T = unknown> extends ContainerOptions<T> {
  /** Return the existing container of that name instead of throwing `ContainerAlreadyConfiguredError`. @default false */
  existOk?: boolean | undefined;
}

/** Options of `createCaches`. */
export interface CachesOptions {
  /** The stores containers may use, by name. */
  backends: Readonly<Record<string, KeyValue>>;
  /** The containers, by name; each caches in the collection of its name on its backend. */
  containers?: Readonly<Record<string, ContainerOptions>> | undefined;
}

/**
 * Named key-value caches, each with a backend, an expiry and a generator that makes missing
 * values (score.kvcache's containers). Values live in the collection named after the container.
 */
export class Container<T = unknown> {
  /** The container's name, also the collection its values live in. */
  readonly name: string;
  /** The cache behind it: `getOrSet`, `statistics()` and the rest. */
  readonly cache: Cache;
  readonly #generator: () => ValueGenerator<T> | undefined;

  constructor(name: string, cache: Cache, generator: () => ValueGenerator<T> | undefined) {
    this.name = name;
    this.cache = cache;
    this.#generator = generator;
  }

  /**
   * The valid value of `key`; when there is none, the generator's (run once across processes
   * when the backend has `putIfAbsent`), which is then kept for `expire`.
   * @throws NotFoundError when there is no valid value and no generator; what `getOrSet` throws
   */
  async get(key: string, options: { signal?: AbortSignal | undefined } = {}): Promise<T> {
    const generator = this.#generator();
    if (generator !== undefined) {
      return this.cache.getOrSet<T>(key, (context) => generator(key, context), options);
    }
    const value = await this.cache.get<T>(key);
    if (value === undefined) throw new NotFoundError({ key, collection: this.name });
    return value;
  }

  /**
   * Stores `value` for `key` whatever the container holds, valid for `expire`.
   * @throws InvalidKeyError, SerializationError, StoreError
   */
  async set(key: string, value: T): Promise<void> {
    await this.cache.set(key, value);
  }

  /**
   * Invalidates the value of `key`.
   * @returns `true` when there was one
   * @throws InvalidKeyError, StoreError
   */
  async delete(key: string): Promise<boolean> {
    return this.cache.delete(key);
  }
}

/** The containers of `createCaches`, by name. */
export class Caches {
  readonly #backends: ReadonlyMap<string, KeyValue>;
  readonly #containers = new Map<string, Container>();
  readonly #generators = new Map<string, ValueGenerator<unknown>>();

  /** @see createCaches */
  constructor(options: CachesOptions) {
    const backends = new Map(Object.entries(options.backends));
    for (const [name, store] of backends) {
      if (!isKeyValue(store)) throw new TypeError(`The backend "${name}" is not a KeyValue store`);
    }
    this.#backends = backends;
    for (const [name, container] of Object.entries(options.containers ?? {})) {
      this.createContainer(name, container);
    }
  }

  /**
   * The container of that name.
   * @throws UnknownContainerError
   */
  container<T = unknown>(name: string): Container<T> {
    const container = this.#containers.get(name);
    if (container === undefined) throw new UnknownContainerError({ container: name });
    return container as Container<T>;
  }

  /** The names of the containers, in the order they were configured. */
  names(): string[] {
    return [...this.#containers.keys()];
  }

  /**
   * Sets (or replaces) the generator of a container.
   * @throws UnknownContainerError
   */
  registerGenerator<T>(name: string, generator: ValueGenerator<T>): void {
    this.container(name);
    this.#generators.set(name, generator);
  }

  /**
   * Adds a container.
   * @throws ContainerAlreadyConfiguredError when one of that name exists (unless `existOk`),
   * StoreConfigurationError for an unknown backend or none to default to, InvalidKeyError for a
   * name that cannot be a collection, InvalidTtlError or RangeError for a bad option
   */
  createContainer<T = unknown>(
    name: string,
    options: CreateContainerOptions<T> = {},
  ): Container<T> {
    const existing = this.#containers.get(name);
    if (existing !== undefined) {
      if (options.existOk === true) return existing as Container<T>;
      throw new ContainerAlreadyConfiguredError({ container: name });
    }
    validateCollection(name);
    const { backend, expire, generator, existOk: _, ...cacheOptions } = options;
    const cache = createCache(this.#backend(name, backend), {
      ...cacheOptions,
      collection: name,
      ttl: expire,
    });
    if (generator !== undefined) this.#generators.set(name, generator as ValueGenerator<unknown>);
    const container = new Container<T>(
      name,
      cache,
      () => this.#generators.get(name) as ValueGenerator<T> | undefined,
    );
    this.#containers.set(name, container as Container);
    return container;
  }

  #backend(container: string, backend: string | KeyValue | undefined): KeyValue {
    if (backend !== undefined && typeof backend !== "string") return backend;
    const only = this.#backends.size === 1 ? [...this.#backends.values()][0] : undefined;
    const store = backend === undefined ? only : this.#backends.get(backend);
    if (store !== undefined) return store;
    throw new StoreConfigurationError({
      message:
        backend === undefined
          ? `The container "${container}" names no backend, and there is not exactly one to default to`
          : `The container "${container}" names the backend "${backend}", which is not configured`,
    });
  }
}

/**
 * Named containers on named backends, as score.kvcache configures them:
 * `createCaches({ backends: { redis }, containers: { greeting: { backend: "redis", expire: "1m", generator } } })`.
 * @throws what `createContainer` throws for each container; TypeError for a backend that is not a store
 */
export function createCaches(options: CachesOptions): Caches {
  return new Caches(options);
}
