import { fileURLToPath } from "node:url";
import { loadConfig, MissingVariableError } from "@kv/config";
import type { KeyValue } from "@kv/protocol";

const environments = ["memory", "disk", "redis"];

/**
 * The application's one place that knows about backends: `STORE` picks a file in `config/`
 * (`memory.yaml`, `disk.yaml`, `redis.yaml`), whose `${VAR}`s read the other variables:
 * - `STORE=memory` (the default): tests and scripts;
 * - `STORE=disk STORE_DIRECTORY=./data`: a laptop or a single machine;
 * - `STORE=redis STORE_URL=redis://host:6379/0`: production, with retries on transient failures.
 */
export async function storeFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): Promise<KeyValue> {
  const name = env.STORE ?? "memory";
  if (!environments.includes(name)) {
    throw new Error(`STORE must be memory, disk or redis, got ${JSON.stringify(env.STORE)}`);
  }
  const file = fileURLToPath(new URL(`../config/${name}.yaml`, import.meta.url));
  try {
    return (await loadConfig(file, { env })).main;
  } catch (error) {
    if (!MissingVariableError.isInstance(error)) throw error;
    throw new Error(`${error.variable} must be set when STORE=${name}`, { cause: error });
  }
}
