import { createHash } from "node:crypto";
import type { Cluster, Redis } from "ioredis";

/** A Lua script run by `EVALSHA`, loaded with `EVAL` when the server does not know it yet. */
export interface Script {
  readonly source: string;
  readonly sha: string;
}

/** A script of the Lua source, with its SHA1 for `EVALSHA`. */
export function script(source: string): Script {
  return { source, sha: createHash("sha1").update(source).digest("hex") };
}

// Scripts take their keys from ARGV and declare one key only (KEYS[1]), which routes the call on
// a Cluster. Scripts without a shebang may touch keys of several slots when the node owns them.

/** GET of every key in ARGV; `false` (nil) for missing keys and keys that are not strings. */
export const getScript: Script = script(`local values = {}
for i = 1, #ARGV do
  local value = redis.pcall("GET", ARGV[i])
  if type(value) ~= "string" then value = false end
  values[i] = value
end
return values`);

/** SET of the key/value pairs in ARGV[2..], with `PX ARGV[1]` unless ARGV[1] is empty. */
export const setScript: Script = script(`local px = ARGV[1]
if px == "" then
  for i = 2, #ARGV, 2 do redis.call("SET", ARGV[i], ARGV[i + 1]) end
else
  for i = 2, #ARGV, 2 do redis.call("SET", ARGV[i], ARGV[i + 1], "PX", px) end
end
return 0`);

/** UNLINK of every key in ARGV; returns how many existed. */
export const unlinkScript: Script = script(`local removed = 0
for i = 1, #ARGV do removed = removed + redis.call("UNLINK", ARGV[i]) end
return removed`);

/** Runs a script with `routeKey` as its one declared key and `args` as ARGV. */
export async function runScript(
  client: Redis | Cluster,
  { sha, source }: Script,
  routeKey: string,
  args: readonly (string | number)[],
): Promise<unknown> {
  try {
    return await client.evalsha(sha, 1, routeKey, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
    return client.eval(source, 1, routeKey, ...args);
  }
}
