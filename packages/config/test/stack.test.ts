// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} is the configuration syntax under test
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CompressionWrapper } from "@kv/compression";
import { LimitSizeWrapper } from "@kv/limit-size";
import { PrefixKeysWrapper } from "@kv/prefix-keys";
import { type KeyValue, supportsClose, supportsDestroy } from "@kv/protocol";
import { RedisStore } from "@kv/redis";
import { RetryWrapper } from "@kv/retry";
import { TtlClampWrapper } from "@kv/ttl-clamp";
import { expect, it } from "vitest";
import { loadConfig } from "../src/index.ts";
import { redisDbUrl } from "./servers.ts";

const stackYaml = `# Five wrappers over Redis.
stores:
  redis:
    url: \${REDIS_URL}?namespace=\${NAMESPACE}
  compressed: { type: compression, base: redis, config: { minBytes: 64 } }
  prefixed: { type: prefix-keys, base: compressed, config: { prefix: app } }
  clamped: { type: ttl-clamp, base: prefixed, config: { maxTtl: 60, defaultTtl: 30 } }
  limited: { type: limit-size, base: clamped, config: { maxBytes: 2048 } }
  retried: { type: retry, base: limited, config: { maxRetries: 2, initialDelayMs: 10 } }
main: retried
`;

function byHand(namespace: string): KeyValue {
  const redis = new RedisStore({ url: redisDbUrl(14), namespace });
  const compressed = new CompressionWrapper(redis, { minBytes: 64 });
  const prefixed = new PrefixKeysWrapper(compressed, { prefix: "app" });
  const clamped = new TtlClampWrapper(prefixed, { maxTtl: 60, defaultTtl: 30 });
  const limited = new LimitSizeWrapper(clamped, { maxBytes: 2048 });
  return new RetryWrapper(limited, { maxRetries: 2, initialDelayMs: 10 });
}

/** A short scripted workload; what each step returned, and what reached Redis. */
async function workload(store: KeyValue, namespace: string): Promise<unknown[]> {
  const log: unknown[] = [];
  const outcome = async (step: () => Promise<unknown>): Promise<void> => {
    try {
      log.push(await step());
    } catch (error) {
      log.push(`${(error as Error).name}`);
    }
  };
  await outcome(() => store.put("small", { n: 1 }));
  await outcome(() => store.put("large", { text: "x".repeat(500) }, { ttl: 3600 }));
  await outcome(() => store.put("huge", { text: "y".repeat(5000) }));
  await outcome(() => store.get("small"));
  await outcome(() => store.getMany(["small", "large", "huge"]));
  await outcome(async () => {
    const [[, small], [, large]] = (await store.ttlMany(["small", "large"])) as [
      [unknown, number],
      [unknown, number],
    ];
    return { smallDefault: small > 0 && small <= 30, largeClamped: large > 30 && large <= 60 };
  });
  await outcome(() =>
    store.putMany(
      [
        ["a", { v: 1 }],
        ["b", { v: 2 }],
      ],
      { collection: "other" },
    ),
  );
  await outcome(() => store.deleteMany(["a", "b", "c"], { collection: "other" }));
  await outcome(() => store.delete("small"));
  await outcome(() => store.delete("small"));
  await outcome(() => store.get("small"));
  const raw = new RedisStore({ url: redisDbUrl(14), namespace });
  log.push(await raw.getMany(["app__large", "large", "app__huge"]));
  if (supportsDestroy(raw)) await raw.destroy();
  await raw.close();
  if (supportsClose(store)) await store.close();
  return log;
}

it("a configuration of five wrappers over Redis behaves like the same stack built by hand", async () => {
  const path = join(tmpdir(), `kv-config-stack-${process.pid}.yaml`);
  await writeFile(path, stackYaml);
  const namespace = `config_stack_${process.pid}`;
  const { main } = await loadConfig(path, {
    env: { REDIS_URL: redisDbUrl(14), NAMESPACE: `${namespace}_file` },
  });
  const fromFile = await workload(main, `${namespace}_file`);
  const fromHand = await workload(byHand(`${namespace}_hand`), `${namespace}_hand`);
  expect(fromFile).toEqual(fromHand);
  expect(fromFile).toEqual([
    undefined,
    undefined,
    "EntryTooLargeError",
    { n: 1 },
    [{ n: 1 }, { text: "x".repeat(500) }, undefined],
    { smallDefault: true, largeClamped: true },
    undefined,
    2,
    true,
    false,
    undefined,
    [expect.objectContaining({ __compressed_data__: expect.any(String) }), undefined, undefined],
  ]);
});
