-- End an order's live binding now: its number is free at once and calls to it are answered
-- 'expired'. Answers the ended binding, or false when the order had no live one (a number taken
-- out of the pool has left the expiry set: its bindings are over).
-- KEYS: bind, orders, exp, idem   ARGV: shop, order, now_ms
local shop, order = ARGV[1], ARGV[2]
local number = redis.call('HGET', KEYS[2], shop .. '|' .. order)
if not number or not redis.call('ZSCORE', KEYS[3], number) then return false end
local raw = redis.call('HGET', KEYS[1], shop .. '|' .. number)
if not raw then return false end
local binding = cjson.decode(raw)
if binding.order ~= order or tonumber(binding.exp) <= tonumber(ARGV[3]) then return false end
binding.exp = ARGV[3]
raw = cjson.encode(binding)
redis.call('HSET', KEYS[1], shop .. '|' .. number, raw)
redis.call('ZADD', KEYS[3], ARGV[3], number)
if binding.idem ~= '' then
  local seen = redis.call('HGET', KEYS[4], shop .. '|' .. binding.idem)
  if seen and cjson.decode(seen).id == binding.id then
    redis.call('HDEL', KEYS[4], shop .. '|' .. binding.idem)
  end
end
return raw
