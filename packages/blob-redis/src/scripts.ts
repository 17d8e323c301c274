import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

/** A Lua script sent by its SHA-1, and in full when the server does not know it yet. */
export interface Script {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash("sha1").update(source).digest("hex") };
}

/**
 * Points a key at a generation of chunks, in one step: KEYS meta, data; ARGV generation, size,
 * created (ms), ttl (ms, 0 for none), grace (ms), data key prefix, chunks expected in `data` (or 0
 * to skip the check), then chunks to push first. The generation replaced is left `grace` ms for
 * streams reading it (removed at once when 0). Fails with ABANDONED when `data` lost its chunks.
 */
export const installScript: Script = script(`
local meta, data = KEYS[1], KEYS[2]
local expected = tonumber(ARGV[7])
if #ARGV > 7 then redis.call('RPUSH', data, unpack(ARGV, 8)) end
if expected > 0 and redis.call('LLEN', data) ~= expected then
  return redis.error_reply('ABANDONED the chunks written were removed before the write finished')
end
local old = redis.call('HGET', meta, 'g')
redis.call('HSET', meta, 'g', ARGV[1], 's', ARGV[2], 'c', ARGV[3])
local ttl, grace = tonumber(ARGV[4]), tonumber(ARGV[5])
if ttl > 0 then
  redis.call('PEXPIRE', meta, ttl)
  redis.call('PEXPIRE', data, ttl + grace)
else
  redis.call('PERSIST', meta)
  redis.call('PERSIST', data)
end
if old and old ~= ARGV[1] then
  if grace > 0 then redis.call('PEXPIRE', ARGV[6] .. old, grace)
  else redis.call('UNLINK', ARGV[6] .. old) end
end
return 1
`);

/**
 * Removes a key, leaving its chunks `grace` ms for streams reading them: KEYS meta; ARGV grace
 * (ms), data key prefix. Returns 1 when there was a blob.
 */
export const deleteScript: Script = script(`
local old = redis.call('HGET', KEYS[1], 'g')
if not old then return 0 end
redis.call('DEL', KEYS[1])
if tonumber(ARGV[1]) > 0 then redis.call('PEXPIRE', ARGV[2] .. old, ARGV[1])
else redis.call('UNLINK', ARGV[2] .. old) end
return 1
`);

/**
 * A blob's generation and size, and its chunks too when it has at most ARGV[2] bytes: KEYS meta;
 * ARGV data key prefix, inline limit. Nil when the key holds no blob.
 */
export const readScript: Script = script(`
local found = redis.call('HMGET', KEYS[1], 'g', 's')
if not found[1] then return nil end
if tonumber(found[2]) > 0 and tonumber(found[2]) <= tonumber(ARGV[2]) then
  return {found[1], found[2], redis.call('LRANGE', ARGV[1] .. found[1], 0, -1)}
end
return {found[1], found[2]}
`);

/** Runs a script by its SHA-1, sending its source once when the server answers NOSCRIPT. */
export async function runScript<T>(
  client: Redis,
  { source, sha }: Script,
  keys: readonly string[],
  args: readonly (string | number | Buffer)[],
  buffers = false,
): Promise<T> {
  const send = (command: "EVALSHA" | "EVAL", body: string) =>
    buffers
      ? client.callBuffer(command, body, keys.length, ...keys, ...args)
      : client.call(command, body, keys.length, ...keys, ...args);
  try {
    return (await send("EVALSHA", sha)) as T;
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
    return (await send("EVAL", source)) as T;
  }
}
