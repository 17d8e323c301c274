import assert from "node:assert/strict";
import { type KeyValue, type PutIfAbsent, supportsPutIfAbsent } from "@kv/protocol";
import { RedisStore } from "@kv/redis";
import { IdempotentWebhooks, type WebhookEvent } from "./idempotent-webhook.ts";

// Two servers behind a load balancer, each with its own Redis client, share one ledger.
const url = new URL(process.env.KV_REDIS_URL ?? "redis://127.0.0.1:6390");
url.pathname = "/12";
const clients = [0, 1].map(() => new RedisStore({ url: url.href, namespace: "webhook-recipe" }));
await clients[0]?.destroy();
const stores = clients.map((client): KeyValue & PutIfAbsent => {
  if (!supportsPutIfAbsent(client)) throw new Error("this store cannot claim atomically");
  return client;
});

let balance = 0;
let failNext = false;
const credit = async (event: WebhookEvent) => {
  if (failNext) {
    failNext = false;
    throw new Error("ledger unavailable");
  }
  balance += event.amount;
};
const servers = stores.map((store) => new IdempotentWebhooks(store, credit));

// The provider delivers one payment six times, concurrently, to both servers: it is applied once.
const payment = { id: "evt_1", type: "payment.succeeded", amount: 25 };
const outcomes = await Promise.all(
  Array.from({ length: 6 }, (_, i) => servers[i % 2]?.handle(payment)),
);
assert.deepEqual(outcomes.sort(), ["applied", ...Array(5).fill("duplicate")]);
assert.equal(balance, 25);

// A delivery that fails gives its claim back; the provider's retry applies it.
failNext = true;
const refund = { id: "evt_2", type: "payment.refunded", amount: -5 };
await assert.rejects(servers[0]?.handle(refund) ?? Promise.resolve(), /ledger unavailable/);
assert.equal(await servers[1]?.handle(refund), "applied");
assert.equal(await servers[0]?.handle(refund), "duplicate");
assert.equal(balance, 20);

await clients[0]?.destroy();
await Promise.all(clients.map((client) => client.close()));
