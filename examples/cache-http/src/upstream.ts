import { setTimeout } from "node:timers/promises";

/** A product, as the upstream catalogue service returns it. */
export interface Product {
  id: string;
  name: string;
  priceCents: number;
}

/**
 * A slow upstream service (a catalogue API, a database query, a model call ...), simulated by a
 * delay, that counts the calls it receives: the cost the cache saves.
 */
export class Upstream {
  #calls = 0;
  readonly #delayMs: number;

  constructor(delayMs: number) {
    this.#delayMs = delayMs;
  }

  /** How many calls reached the upstream so far. */
  get calls(): number {
    return this.#calls;
  }

  /** Fetches one product; slow. */
  async fetchProduct(id: string, signal?: AbortSignal): Promise<Product> {
    this.#calls += 1;
    await setTimeout(this.#delayMs, undefined, { signal });
    return { id, name: `Product ${id}`, priceCents: 100 * id.length + 99 };
  }
}
