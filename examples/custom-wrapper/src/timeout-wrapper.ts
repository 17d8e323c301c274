import {
  BaseWrapper,
  type CollectionOptions,
  type KeyValue,
  type Operation,
  StoreConnectionError,
} from "@kv/protocol";

/** Options of `TimeoutWrapper`. */
export interface TimeoutWrapperOptions {
  /** How long a call may take. @default 1000 */
  timeoutMs?: number;
}

/**
 * Fails every call that takes longer than `timeoutMs` with `StoreConnectionError`, which retry
 * and fallback treat as transient. The slow call itself runs on; only the caller stops waiting.
 */
export class TimeoutWrapper extends BaseWrapper {
  private readonly timeoutMs: number;

  constructor(store: KeyValue, options: TimeoutWrapperOptions = {}) {
    super(store);
    this.timeoutMs = options.timeoutMs ?? 1000;
  }

  protected override invoke<T>(
    operation: Operation,
    call: (store: KeyValue) => Promise<T>,
    options?: CollectionOptions,
  ): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const message = `No answer within ${this.timeoutMs} ms`;
        reject(new StoreConnectionError({ message, operation, collection: options?.collection }));
      }, this.timeoutMs);
    });
    return Promise.race([call(this.store), timeout]).finally(() => clearTimeout(timer));
  }
}
