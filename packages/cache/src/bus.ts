import { randomUUID } from "node:crypto";
import {
  defineError,
  type ErrorClass,
  StoreClosedError,
  StoreConfigurationError,
  StoreError,
} from "@kv/protocol";

/** Receives the keys another process changed: `keys` empty stands for the whole collection. */
export type InvalidationListener = (collection: string, keys: readonly string[]) => void;

/**
 * Carries "these keys changed" between processes, so that each one can drop them from its
 * in-process tiers. Delivery is best effort (a process that is disconnected misses messages),
 * and a process never receives what it published itself.
 */
export interface InvalidationBus {
  /**
   * Tells every other process that `keys` of `collection` changed; an empty list stands for the
   * whole collection.
   * @throws InvalidationBusError when the message cannot be sent, StoreClosedError after `close()`
   */
  publish(collection: string, keys: readonly string[]): Promise<void>;
  /**
   * Calls `listener` with every change another process publishes.
   * @returns the function that stops calling it
   * @throws StoreClosedError after `close()`
   */
  subscribe(listener: InvalidationListener): () => void;
  /**
   * Stops receiving and refuses later publishes. Calling it twice is harmless.
   * @throws InvalidationBusError when the subscription cannot be released
   */
  close(): Promise<void>;
}

/** Publishing or subscribing on an invalidation bus failed. Transient: the server may come back. */
export interface InvalidationBusError extends StoreError {
  readonly name: "InvalidationBusError";
}
/** Publishing or subscribing on an invalidation bus failed. Transient: the server may come back. */
export const InvalidationBusError: ErrorClass<InvalidationBusError> = defineError({
  name: "InvalidationBusError",
  code: "INVALIDATION_BUS",
  message: "The invalidation bus failed",
  parent: StoreError,
  transient: true,
});

/** The client a `RedisInvalidationBus` publishes with: an ioredis `Redis` fits. */
export interface RedisPublisher {
  /** Sends `message` on `channel`. */
  publish(channel: string, message: string): Promise<unknown>;
}

/**
 * The client a `RedisInvalidationBus` listens with: an ioredis `Redis` fits. Redis reserves a
 * subscribed connection for pub/sub, so it must be another client than the publisher; several
 * buses may share it.
 */
export interface RedisSubscriber {
  /** Subscribes the connection to `channel`. */
  subscribe(channel: string): Promise<unknown>;
  /** Unsubscribes the connection from `channel`. */
  unsubscribe(channel: string): Promise<unknown>;
  /** Adds a listener for the messages of every subscribed channel. */
  on(event: "message", listener: (channel: string, message: string) => void): unknown;
  /** Removes a listener added with `on`. */
  off(event: "message", listener: (channel: string, message: string) => void): unknown;
}

/** Options of `RedisInvalidationBus`. */
export interface RedisInvalidationBusOptions {
  /** The client messages are published with. It is left open by `close()`. */
  publisher: RedisPublisher;
  /** Another client, which subscribes to the channel. It is left open by `close()`. */
  subscriber: RedisSubscriber;
  /** The pub/sub channel; processes that share caches must use the same one. @default "kv:invalidation" */
  channel?: string | undefined;
  /**
   * Told about what no call can report: a listener that threw, a message on the channel that is
   * not an invalidation, a subscription that failed. @default ignored
   */
  onError?: ((error: unknown) => void) | undefined;
}

/** How many buses use each channel of a subscriber connection, so the last one unsubscribes. */
const channelUsers = new WeakMap<
  RedisSubscriber,
  Map<string, { users: number; ready: Promise<void> }>
>();

interface Message {
  sender: string;
  collection: string;
  keys: string[];
}

/**
 * An `InvalidationBus` over Redis pub/sub. Each message is JSON
 * `{ "sender", "collection", "keys" }` on one channel; `sender` is this bus's `id`, so a bus
 * ignores its own messages. Stores that must invalidate each other in one process need a bus
 * each. It subscribes when it is made (`ready()` says when that is done); ioredis subscribes
 * again by itself after a reconnection, and messages sent while it was away are lost.
 */
export class RedisInvalidationBus implements InvalidationBus {
  /** This bus's sender id, carried by every message it publishes. */
  readonly id: string = randomUUID();
  /** The pub/sub channel. */
  readonly channel: string;
  readonly #publisher: RedisPublisher;
  readonly #subscriber: RedisSubscriber;
  readonly #onError: ((error: unknown) => void) | undefined;
  readonly #listeners = new Set<InvalidationListener>();
  readonly #ready: Promise<void>;
  #closed = false;

  /**
   * @throws TypeError when a client lacks a method it needs
   * @throws StoreConfigurationError when both are the same client, or `channel` is not a
   * non-empty string
   */
  constructor(options: RedisInvalidationBusOptions) {
    const { publisher, subscriber, channel = "kv:invalidation", onError } = options;
    if (typeof publisher?.publish !== "function") {
      throw new TypeError("publisher must be a Redis client with publish()");
    }
    for (const method of ["subscribe", "unsubscribe", "on", "off"] as const) {
      if (typeof subscriber?.[method] !== "function") {
        throw new TypeError(`subscriber must be a Redis client with ${method}()`);
      }
    }
    if (subscriber === (publisher as unknown)) {
      const message =
        "subscriber must be another client than publisher (pub/sub takes over its connection)";
      throw new StoreConfigurationError({ message });
    }
    if (typeof channel !== "string" || channel === "") {
      throw new StoreConfigurationError({ message: "channel must be a non-empty string" });
    }
    this.channel = channel;
    this.#publisher = publisher;
    this.#subscriber = subscriber;
    this.#onError = onError;
    subscriber.on("message", this.#receive);
    this.#ready = this.#join();
    this.#ready.catch((error: unknown) => this.#report(error));
  }

  /**
   * Resolves once the subscription is active: messages published from then on reach the listeners.
   * @throws InvalidationBusError when subscribing failed
   */
  ready(): Promise<void> {
    return this.#ready;
  }

  /** @inheritdoc */
  async publish(collection: string, keys: readonly string[]): Promise<void> {
    if (this.#closed) throw new StoreClosedError({ collection, message: "The bus is closed" });
    const message: Message = { sender: this.id, collection, keys: [...keys] };
    try {
      await this.#publisher.publish(this.channel, JSON.stringify(message));
    } catch (error) {
      throw new InvalidationBusError({
        collection,
        cause: error,
        message: `Could not publish on "${this.channel}": ${String(error)}`,
      });
    }
  }

  /** @inheritdoc */
  subscribe(listener: InvalidationListener): () => void {
    if (this.#closed) throw new StoreClosedError({ message: "The bus is closed" });
    if (typeof listener !== "function") throw new TypeError("listener must be a function");
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * Removes every listener and unsubscribes the channel unless another bus on the same subscriber
   * still uses it. The clients stay open.
   * @throws InvalidationBusError when the subscriber cannot unsubscribe
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    this.#subscriber.off("message", this.#receive);
    const channels = channelUsers.get(this.#subscriber);
    const use = channels?.get(this.channel);
    if (channels === undefined || use === undefined || --use.users > 0) return;
    channels.delete(this.channel);
    try {
      await this.#subscriber.unsubscribe(this.channel);
    } catch (error) {
      throw new InvalidationBusError({
        cause: error,
        message: `Could not unsubscribe from "${this.channel}"`,
      });
    }
  }

  /** Subscribes the channel, or joins the subscription another bus on this subscriber made. */
  #join(): Promise<void> {
    let channels = channelUsers.get(this.#subscriber);
    if (channels === undefined) {
      channels = new Map();
      channelUsers.set(this.#subscriber, channels);
    }
    const use = channels.get(this.channel);
    if (use !== undefined) {
      use.users++;
      return use.ready;
    }
    const ready = this.#subscriber.subscribe(this.channel).then(
      () => undefined,
      (error: unknown) => {
        throw new InvalidationBusError({
          cause: error,
          message: `Could not subscribe to "${this.channel}"`,
        });
      },
    );
    channels.set(this.channel, { users: 1, ready });
    return ready;
  }

  readonly #receive = (channel: string, text: string): void => {
    if (channel !== this.channel || this.#closed) return;
    const message = parseMessage(text);
    if (message === undefined) {
      this.#report(
        new InvalidationBusError({
          message: `Not an invalidation on "${channel}": ${text.slice(0, 200)}`,
        }),
      );
      return;
    }
    if (message.sender === this.id) return;
    for (const listener of [...this.#listeners]) {
      try {
        listener(message.collection, message.keys);
      } catch (error) {
        this.#report(error);
      }
    }
  };

  #report(error: unknown): void {
    try {
      this.#onError?.(error);
    } catch {
      // what the hook throws must not stop the delivery of messages
    }
  }
}

/** The message in `text`, or `undefined` when it is not one a bus sent. */
function parseMessage(text: string): Message | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const { sender, collection, keys } = (parsed ?? {}) as Partial<Record<keyof Message, unknown>>;
  if (typeof sender !== "string" || typeof collection !== "string" || collection === "")
    return undefined;
  if (!Array.isArray(keys) || !keys.every((key) => typeof key === "string" && key !== "")) {
    return undefined;
  }
  return { sender, collection, keys };
}
