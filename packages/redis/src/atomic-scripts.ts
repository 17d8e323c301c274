import { type Script, script } from "./scripts.ts";

/**
 * Lua shared by the atomic scripts. Each script works on `KEYS[1]` alone (so it runs on a
 * Cluster) and gets the store's clock as `ARGV[1]` (epoch ms): an entry is live while its key
 * exists and its document's `expires_at` (in any form reads accept) is later, as reads judge it.
 * Documents are read and rewritten as text, member by member, so every member a script does not
 * change (the value, `created_at`, the separators py-key-value writes) keeps its exact bytes.
 */
const prelude = String.raw`
local function skip_string(doc, at)
  while true do
    at = string.find(doc, '["\\]', at + 1)
    if not at then return nil end
    if string.byte(doc, at) == 34 then return at end
    at = at + 1
  end
end

local function skip_value(doc, at)
  local first = string.byte(doc, at)
  if first == 34 then return skip_string(doc, at) end
  if first ~= 123 and first ~= 91 then
    local stop = string.find(doc, '[,}%s]', at)
    if not stop or stop == at then return nil end
    return stop - 1
  end
  local depth = 0
  while true do
    at = string.find(doc, '["{}%[%]]', at)
    if not at then return nil end
    local char = string.byte(doc, at)
    if char == 34 then
      at = skip_string(doc, at)
      if not at then return nil end
    elseif char == 123 or char == 91 then
      depth = depth + 1
    else
      depth = depth - 1
      if depth == 0 then return at end
    end
    at = at + 1
  end
end

local function members(doc)
  local list, named = {}, {}
  local at = string.find(doc, '%S')
  if not at or string.byte(doc, at) ~= 123 then return nil end
  at = string.find(doc, '%S', at + 1)
  if at and string.byte(doc, at) == 125 then return list, named end
  while at and string.byte(doc, at) == 34 do
    local name_end = skip_string(doc, at)
    local colon = name_end and string.find(doc, '%S', name_end + 1)
    if not colon or string.byte(doc, colon) ~= 58 then return nil end
    if #list == 0 then list.spaced = string.byte(doc, colon + 1) == 32 end
    local value_start = string.find(doc, '%S', colon + 1)
    local value_end = value_start and skip_value(doc, value_start)
    if not value_end then return nil end
    local member = {name = string.sub(doc, at + 1, name_end - 1), start = at,
      value_start = value_start, value_end = value_end}
    list[#list + 1] = member
    named[member.name] = member
    at = string.find(doc, '%S', value_end + 1)
    if at and string.byte(doc, at) == 125 then return list, named end
    if not at or string.byte(doc, at) ~= 44 then return nil end
    at = string.find(doc, '%S', at + 1)
  end
  return nil
end

local function text_of(doc, member)
  return string.sub(doc, member.value_start, member.value_end)
end

local function epoch_ms(text)
  local y, mo, d, h, mi, s, rest = string.match(text,
    '^(%d%d%d%d)%-(%d%d)%-(%d%d)[T ](%d%d):(%d%d):(%d%d)(.*)$')
  if not y then return nil end
  local ms = 0
  local digits, zone = string.match(rest, '^%.(%d+)(.*)$')
  if digits then
    ms = tonumber(string.sub(digits .. '00', 1, 3))
    rest = zone
  end
  local offset = 0
  if rest ~= '' and rest ~= 'Z' then
    local sign, oh, om = string.match(rest, '^([+-])(%d%d):?(%d%d)$')
    if not sign then return nil end
    offset = (tonumber(oh) * 60 + tonumber(om)) * 60000
    if sign == '+' then offset = -offset end
  end
  y, mo = tonumber(y), tonumber(mo)
  if mo <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local year = y - era * 400
  local day = math.floor((153 * ((mo + 9) % 12) + 2) / 5) + tonumber(d) - 1
  local days = era * 146097 + year * 365 + math.floor(year / 4) - math.floor(year / 100) + day
    - 719468
  return ((days * 24 + tonumber(h)) * 60 + tonumber(mi)) * 60000 + tonumber(s) * 1000 + ms
    + offset
end

local function open(doc)
  local list, named = members(doc)
  if not list then return nil end
  local expires = named.expires_at
  local at = nil
  if expires then
    local text = text_of(doc, expires)
    if string.byte(text, 1) == 34 then at = epoch_ms(string.sub(text, 2, -2))
    else at = tonumber(text) end
  end
  return list, named, at ~= nil and at <= tonumber(ARGV[1])
end

local function rewrite(doc, list, named, changes)
  local colon = list.spaced and ': ' or ':'
  local parts, added, next_added = {}, {}, 1
  local function add(name)
    if changes[name] then parts[#parts + 1] = '"' .. name .. '"' .. colon .. changes[name] end
  end
  for name in pairs(changes) do
    if not named[name] then added[#added + 1] = name end
  end
  table.sort(added)
  for _, member in ipairs(list) do
    while added[next_added] and added[next_added] < member.name do
      add(added[next_added])
      next_added = next_added + 1
    end
    if changes[member.name] == nil then
      parts[#parts + 1] = string.sub(doc, member.start, member.value_end)
    else
      add(member.name)
    end
  end
  for index = next_added, #added do add(added[index]) end
  return '{' .. table.concat(parts, list.spaced and ', ' or ',') .. '}'
end

local function write(doc, px)
  if px == '' then return redis.call('SET', KEYS[1], doc) end
  return redis.call('SET', KEYS[1], doc, 'PX', px)
end

local function holds(version)
  local current = redis.call('GET', KEYS[1])
  if not current or redis.sha1hex(current) ~= version then return false end
  local list, _, expired = open(current)
  return list ~= nil and not expired
end
`;

/** `SET` of ARGV[2] (with `PX` ARGV[3]) unless a live entry (or anything but a document) is there. */
export const insertScript: Script = script(`${prelude}
local current = redis.call('GET', KEYS[1])
if current then
  local _, _, expired = open(current)
  if not expired then return 0 end
end
write(ARGV[2], ARGV[3])
return 1`);

/** `SET` of ARGV[3] (with `PX` ARGV[4]) while the live document's SHA1 is ARGV[2]. */
export const replaceScript: Script = script(`${prelude}
if not holds(ARGV[2]) then return 0 end
write(ARGV[3], ARGV[4])
return 1`);

/** `UNLINK` while the live document's SHA1 is ARGV[2]. */
export const removeScript: Script = script(`${prelude}
if not holds(ARGV[2]) then return 0 end
redis.call('UNLINK', KEYS[1])
return 1`);

/**
 * Adds ARGV[2] to the counter and returns the count as text (ioredis 6 misreads integer replies
 * near 2^53), or nil when the key holds anything else or the count would leave the safe
 * integers. A missing or expired entry becomes ARGV[3] (with `PX` ARGV[4]). A live counter keeps
 * its `PX` (`KEEPTTL`) unless ARGV[5] is set: then its `expires_at` becomes ARGV[6] (removed when
 * empty) and its `PX` ARGV[4].
 */
export const incrementScript: Script = script(`${prelude}
local MAX = 9007199254740991
local current = redis.call('GET', KEYS[1])
local list, named, expired
if current then
  list, named, expired = open(current)
  if not list then return false end
end
if not current or expired then
  write(ARGV[3], ARGV[4])
  return ARGV[2]
end
if not named.value then return false end
local ok, value = pcall(cjson.decode, text_of(current, named.value))
if ok and type(value) == 'string' then ok, value = pcall(cjson.decode, value) end
if not ok or type(value) ~= 'table' then return false end
local count = nil
for name, member in pairs(value) do
  if name ~= 'count' then return false end
  count = member
end
if type(count) ~= 'number' or count ~= math.floor(count) or math.abs(count) > MAX then
  return false
end
count = count + tonumber(ARGV[2])
if math.abs(count) > MAX then return false end
local text = string.format('%d', count)
local changes = {value = '{"count"' .. (list.spaced and ': ' or ':') .. text .. '}'}
if ARGV[5] == '' then
  redis.call('SET', KEYS[1], rewrite(current, list, named, changes), 'KEEPTTL')
else
  changes.expires_at = ARGV[6] ~= '' and ARGV[6]
  write(rewrite(current, list, named, changes), ARGV[4])
end
return text`);

/**
 * Sets a live entry's `expires_at` to ARGV[2] (removed when empty) and its `PX` to ARGV[3] (none
 * when empty) in one `SET`: 1 when done, 0 when missing or expired, -1 when not a document.
 */
export const touchScript: Script = script(`${prelude}
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local list, named, expired = open(current)
if not list then return -1 end
if expired then return 0 end
write(rewrite(current, list, named, {expires_at = ARGV[2] ~= '' and ARGV[2]}), ARGV[3])
return 1`);
