import type { KeyValue, PutIfAbsent, Ttl } from "@kv/protocol";

/** A delivery from a provider that may send the same event more than once. */
export interface WebhookEvent {
  /** The provider's id of the event: the same for every delivery of it. */
  id: string;
  type: string;
  amount: number;
}

/**
 * Runs `apply` once per event id, however often and on however many servers the event arrives:
 * the first delivery claims the id with `putIfAbsent`, and every other one, concurrent or later,
 * finds the claim and is acknowledged without running `apply`. A delivery whose `apply` fails
 * gives the claim back, so the provider's retry runs it again. Claims expire after `remember`.
 */
export class IdempotentWebhooks {
  readonly #store: KeyValue & PutIfAbsent;
  readonly #apply: (event: WebhookEvent) => Promise<void>;
  readonly #remember: Ttl;

  constructor(
    store: KeyValue & PutIfAbsent,
    apply: (event: WebhookEvent) => Promise<void>,
    remember: Ttl = "7d",
  ) {
    this.#store = store;
    this.#apply = apply;
    this.#remember = remember;
  }

  /** Handles one delivery: `"applied"` the first time, `"duplicate"` for every other. */
  async handle(event: WebhookEvent): Promise<"applied" | "duplicate"> {
    const options = { collection: "webhook-events", ttl: this.#remember };
    const claimed = await this.#store.putIfAbsent(event.id, { state: "applying" }, options);
    if (!claimed) return "duplicate";
    try {
      await this.#apply(event);
    } catch (error) {
      await this.#store.delete(event.id, options);
      throw error;
    }
    await this.#store.put(event.id, { state: "applied" }, options);
    return "applied";
  }
}
