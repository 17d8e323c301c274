import assert from "node:assert/strict";
import { type KeyValue, StoreConnectionError, supportsClose } from "@kv/protocol";
import {
  dynamoDbCache,
  elasticsearchCache,
  mongoDbCache,
  redisCache,
} from "./request-path-stores.ts";

/** How long one `get` takes, and whether it failed with `StoreConnectionError`. */
async function timedGet(store: KeyValue): Promise<{ ms: number; down: boolean }> {
  const started = performance.now();
  const error = await store.get("k").then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  return {
    ms: Math.round(performance.now() - started),
    down: StoreConnectionError.isInstance(error),
  };
}

// Nothing listens on port 1 of this machine: every backend below is down.
const redis = redisCache("redis://127.0.0.1:1");
const mongodb = mongoDbCache("mongodb://127.0.0.1:1");
const dynamodb = dynamoDbCache({
  tableName: "cache",
  region: "us-east-1",
  endpoint: "http://127.0.0.1:1",
  credentials: { accessKeyId: "local", secretAccessKey: "local" },
});
const elasticsearch = elasticsearchCache("http://127.0.0.1:1");

// Redis: the first call learns that the server is down, and every later call fails at once.
const [redisFirst, redisNext] = [await timedGet(redis), await timedGet(redis)];
assert.ok(redisFirst.down && redisNext.down);
assert.ok(redisNext.ms < 50, `a call while Redis is known down took ${redisNext.ms} ms`);

// MongoDB: each call waits for server selection (the fallback answers it: a miss), until the
// breaker opens after three failures; then the primary is skipped and calls cost nothing.
const mongoCalls = [];
for (let call = 0; call < 4; call++) mongoCalls.push(await timedGet(mongodb));
assert.ok(mongoCalls.every((call) => !call.down)); // the fallback answered every one
assert.ok(mongoCalls.slice(0, 3).every((call) => call.ms >= 400));
assert.ok((mongoCalls[3]?.ms ?? Infinity) < 50);

// DynamoDB and Elasticsearch: a refused connection fails within the bounded attempts.
const [dynamoCall, elasticCall] = [await timedGet(dynamodb), await timedGet(elasticsearch)];
assert.ok(dynamoCall.down && elasticCall.down);

console.log(
  `  redis ${redisFirst.ms} ms then ${redisNext.ms} ms; mongodb ${mongoCalls.map((c) => c.ms).join(", ")} ms; dynamodb ${dynamoCall.ms} ms; elasticsearch ${elasticCall.ms} ms`,
);
for (const store of [redis, mongodb, dynamodb, elasticsearch]) {
  if (supportsClose(store)) await store.close();
}
