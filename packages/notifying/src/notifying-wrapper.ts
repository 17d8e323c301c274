import {
  BaseWrapper,
  type CollectionOptions,
  counterValue,
  type Entry,
  type EntryAccess,
  type KeyValue,
  type Operation,
  type PutOptions,
  resolveTtl,
  supportsEntries,
  supportsIncrement,
  supportsPutIfAbsent,
  supportsTouch,
  supportsVersions,
  type Value,
} from "@kv/protocol";
import { HandlerError } from "./errors.ts";
import type { ChangeEvent, ChangeHandler, DeleteEvent, HandlerName, PutEvent } from "./events.ts";
import { flag, handler, type NotifyingWrapperOptions } from "./options.ts";

/**
 * Calls handlers after changes: `onPut` after puts, `onDelete` after deletes, `onChange` after
 * those and after `destroyCollection`, `destroy` and `cull`, each with the collection and keys
 * (and values, with `includeValues`). A bulk call notifies once with all its keys. Handlers run
 * only once the change has succeeded; one that fails is reported to `onHandlerError` and never
 * undoes the change or fails the call. Async handlers are not awaited unless `awaitHandlers`.
 */
export class NotifyingWrapper extends BaseWrapper {
  private readonly onPut: ChangeHandler<PutEvent> | undefined;
  private readonly onDelete: ChangeHandler<DeleteEvent> | undefined;
  private readonly onChange: ChangeHandler<ChangeEvent> | undefined;
  private readonly onHandlerError: (error: HandlerError) => void;
  private readonly includeValues: boolean;
  private readonly awaitHandlers: boolean;

  /** @throws TypeError when a handler is not a function or a flag is not a boolean */
  constructor(store: KeyValue, options: NotifyingWrapperOptions = {}) {
    super(store);
    this.onPut = handler(options.onPut, "onPut");
    this.onDelete = handler(options.onDelete, "onDelete");
    this.onChange = handler(options.onChange, "onChange");
    this.onHandlerError =
      handler(options.onHandlerError, "onHandlerError") ?? ((error) => console.error(error));
    this.includeValues = flag(options.includeValues, "includeValues");
    this.awaitHandlers = flag(options.awaitHandlers, "awaitHandlers");
    if (supportsEntries(store)) this.keepEntries(store);
    this.keepAtomicOperations(store);
  }

  /**
   * Passes the atomic operations on (BaseWrapper withholds them, as it does whole-entry access),
   * notifying a successful conditional write or `increment` as a put and a successful
   * `deleteIfVersion` as a delete; `touch` changes no value and notifies nothing.
   */
  private keepAtomicOperations(store: KeyValue): void {
    if (supportsPutIfAbsent(store)) {
      this.putIfAbsent = (key, value, options) =>
        this.afterWrite(store.putIfAbsent(key, value, options), "putIfAbsent", key, value, options);
    }
    if (supportsVersions(store)) {
      this.getVersioned = (key, options) => store.getVersioned(key, options);
      this.putIfVersion = (key, value, version, options) =>
        this.afterWrite(
          store.putIfVersion(key, value, version, options),
          "putIfVersion",
          key,
          value,
          options,
        );
      this.deleteIfVersion = (key, version, options) =>
        this.after(store.deleteIfVersion(key, version, options), (deleted) =>
          deleted ? this.deleteEvent("deleteIfVersion", [key], 1, options) : undefined,
        );
    }
    if (supportsIncrement(store)) {
      this.increment = (key, options) =>
        this.after(store.increment(key, options), (count) =>
          this.putEvent("increment", [key], [counterValue(count)], options),
        );
    }
    if (supportsTouch(store)) this.touch = (key, options) => store.touch(key, options);
  }

  /** Settles with a conditional write, then notifies a put when it wrote. */
  private afterWrite(
    written: Promise<boolean>,
    operation: "putIfAbsent" | "putIfVersion",
    key: string,
    value: Value,
    options: PutOptions | undefined,
  ): Promise<boolean> {
    return this.after(written, (stored) =>
      stored ? this.putEvent(operation, [key], [value], options) : undefined,
    );
  }

  /**
   * BaseWrapper withholds whole-entry access from a wrapper that overrides writes, since it would
   * go around them; this one passes `readEntries` on and notifies `writeEntries` as a put.
   */
  private keepEntries(store: KeyValue & EntryAccess): void {
    this.readEntries = (keys, options) =>
      this.invoke("readEntries", () => store.readEntries(keys, options), options);
    this.writeEntries = (entries, options) => {
      const written = this.invoke(
        "writeEntries",
        () => store.writeEntries(entries, options),
        options,
      );
      return this.afterBulkPut(
        written,
        "writeEntries",
        entries,
        ([, entry]) => entry.value,
        options,
      );
    };
  }

  override put(key: string, value: Value, options?: PutOptions): Promise<void> {
    const written = super.put(key, value, options);
    if (this.onPut === undefined && this.onChange === undefined) return written;
    return this.after(written, () => this.putEvent("put", [key], [value], options));
  }

  override putMany(entries: readonly Entry[], options?: PutOptions): Promise<void> {
    const written = super.putMany(entries, options);
    return this.afterBulkPut(written, "putMany", entries, ([, value]) => value, options);
  }

  /** Settles with a bulk write, then notifies a put of its keys (nothing for an empty call). */
  private afterBulkPut<P extends readonly [string, unknown]>(
    written: Promise<void>,
    operation: "putMany" | "writeEntries",
    pairs: readonly P[],
    valueIn: (pair: P) => Value,
    options: PutOptions | undefined,
  ): Promise<void> {
    if (this.onPut === undefined && this.onChange === undefined) return written;
    return this.after(written, () => {
      if (pairs.length === 0) return undefined;
      const values = this.includeValues ? pairs.map(valueIn) : [];
      return this.putEvent(
        operation,
        pairs.map(([key]) => key),
        values,
        options,
      );
    });
  }

  override delete(key: string, options?: CollectionOptions): Promise<boolean> {
    const deleted = super.delete(key, options);
    if (this.onDelete === undefined && this.onChange === undefined) return deleted;
    return this.after(deleted, (found) =>
      this.deleteEvent("delete", [key], found ? 1 : 0, options),
    );
  }

  override deleteMany(keys: readonly string[], options?: CollectionOptions): Promise<number> {
    const deleted = super.deleteMany(keys, options);
    if (this.onDelete === undefined && this.onChange === undefined) return deleted;
    return this.after(deleted, (count) =>
      keys.length === 0 ? undefined : this.deleteEvent("deleteMany", [...keys], count, options),
    );
  }

  protected override invoke<T>(
    operation: Operation,
    call: (store: KeyValue) => Promise<T>,
    options?: CollectionOptions,
  ): Promise<T> {
    const done = call(this.store);
    if (this.onChange === undefined) return done;
    switch (operation) {
      case "destroyCollection":
        return this.after(done, (removed) => ({
          type: operation,
          operation,
          collection: options?.collection ?? this.defaultCollection,
          removed: removed === true,
        }));
      case "destroy":
        return this.after(done, (removed) => ({
          type: operation,
          operation,
          removed: removed === true,
        }));
      case "cull":
        return this.after(done, () => ({ type: operation, operation }));
      default:
        return done;
    }
  }

  /** Settles with the call, after telling the handlers about its change (and awaiting them, when asked). */
  private after<T>(done: Promise<T>, describe: (result: T) => ChangeEvent | undefined): Promise<T> {
    if (this.onPut === undefined && this.onDelete === undefined && this.onChange === undefined) {
      return done;
    }
    return done.then((result) => {
      const event = describe(result);
      if (event === undefined) return result;
      Object.freeze(event);
      const specific =
        event.type === "put"
          ? this.run("onPut", this.onPut, event)
          : event.type === "delete"
            ? this.run("onDelete", this.onDelete, event)
            : undefined;
      const general = this.run("onChange", this.onChange, event);
      if (specific === undefined && general === undefined) return result;
      return Promise.all([specific, general]).then(() => result);
    });
  }

  /** Calls one handler; returns a promise to wait for only when `awaitHandlers` and it is async. */
  private run<E extends ChangeEvent>(
    name: HandlerName,
    handler: ChangeHandler<E> | undefined,
    event: E,
  ): Promise<void> | undefined {
    if (handler === undefined) return undefined;
    let returned: unknown;
    try {
      returned = handler(event);
    } catch (error) {
      this.report(name, event, error);
      return undefined;
    }
    if (!isThenable(returned)) return undefined;
    const settled = Promise.resolve(returned).then(
      () => undefined,
      (error: unknown) => this.report(name, event, error),
    );
    return this.awaitHandlers ? settled : undefined;
  }

  private report(name: HandlerName, event: ChangeEvent, cause: unknown): void {
    const collection = "collection" in event ? event.collection : undefined;
    const error = new HandlerError({
      handler: name,
      event,
      cause,
      operation: event.operation,
      collection,
    });
    try {
      this.onHandlerError(error);
    } catch (failure) {
      console.error(error, failure);
    }
  }

  private putEvent(
    operation: PutEvent["operation"],
    keys: string[],
    values: Value[],
    options: PutOptions | undefined,
  ): PutEvent {
    const event: PutEvent = {
      type: "put",
      operation,
      collection: options?.collection ?? this.defaultCollection,
      keys: Object.freeze(keys),
      ttl: resolveTtl(options?.ttl),
    };
    return this.includeValues ? { ...event, values: Object.freeze(values) } : event;
  }

  private deleteEvent(
    operation: DeleteEvent["operation"],
    keys: string[],
    deleted: number,
    options: CollectionOptions | undefined,
  ): DeleteEvent {
    const collection = options?.collection ?? this.defaultCollection;
    return { type: "delete", operation, collection, keys: Object.freeze(keys), deleted };
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
