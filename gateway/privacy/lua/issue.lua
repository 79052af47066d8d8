-- Issue a privacy number: return the order's live binding, or bind a free number of the pool, in
-- one step, so that gateway processes never bind one number twice. Time is the caller's clock
-- (now_ms); the EXPIRE only cleans up long after every binding here has ended.
-- A number is free for the shop when it was never bound by it (fresh, lowest first) or its last
-- binding has ended (exp score <= now; the one that ended longest ago first).
-- KEYS: bind, orders, idem, exp, fresh, synced
-- ARGV: shop, order, idempotency_key ('' = none), request_fp, pool_fp, now_ms, expires_ms,
--       shopper_fp, binding (JSON without its number), keep_s
local shop, order, key = ARGV[1], ARGV[2], ARGV[3]
local now = tonumber(ARGV[6])

if redis.call('GET', KEYS[6]) ~= ARGV[5] then return {'resync'} end

-- The shop's binding of a number while valid and the number still in the pool (a number taken out
-- of the pool by configuration has left the expiry set: its bindings are over).
local function live(number)
  local raw = redis.call('HGET', KEYS[1], shop .. '|' .. number)
  if not raw or not redis.call('ZSCORE', KEYS[4], number) then return nil, nil end
  local binding = cjson.decode(raw)
  if tonumber(binding.exp) <= now then return nil, nil end
  return binding, raw
end

if key ~= '' then
  local seen = redis.call('HGET', KEYS[3], shop .. '|' .. key)
  if seen then
    seen = cjson.decode(seen)
    if seen.fp ~= ARGV[4] then return {'idempotency_conflict'} end
    local binding, raw = live(seen.number)
    if binding and binding.id == seen.id then return {'replayed', raw} end
    redis.call('HDEL', KEYS[3], shop .. '|' .. key)
  end
end

local held = redis.call('HGET', KEYS[2], shop .. '|' .. order)
if held then
  local binding, raw = live(held)
  if binding and binding.order == order then
    if binding.sfp == ARGV[8] then return {'existing', raw} end
    return {'order_conflict', raw}
  end
end

local number
local fresh = redis.call('ZPOPMIN', KEYS[5])
if fresh[1] then
  number = fresh[1]
else
  local ended = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', ARGV[6], 'LIMIT', 0, 1)
  if not ended[1] then
    local first = redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')
    return {'exhausted', first[2] or '0'}
  end
  number = ended[1]
  local old = redis.call('HGET', KEYS[1], shop .. '|' .. number)
  if old then
    old = cjson.decode(old)
    if redis.call('HGET', KEYS[2], shop .. '|' .. old.order) == number then
      redis.call('HDEL', KEYS[2], shop .. '|' .. old.order)
    end
    if old.idem ~= '' then
      local seen = redis.call('HGET', KEYS[3], shop .. '|' .. old.idem)
      if seen and cjson.decode(seen).id == old.id then
        redis.call('HDEL', KEYS[3], shop .. '|' .. old.idem)
      end
    end
  end
end

local binding = cjson.decode(ARGV[9])
binding.number = number
local raw = cjson.encode(binding)
redis.call('HSET', KEYS[1], shop .. '|' .. number, raw)
redis.call('HSET', KEYS[2], shop .. '|' .. order, number)
redis.call('ZADD', KEYS[4], ARGV[7], number)
if key ~= '' then
  redis.call('HSET', KEYS[3], shop .. '|' .. key,
    cjson.encode({fp = ARGV[4], number = number, id = binding.id}))
end
for i = 1, 6 do redis.call('EXPIRE', KEYS[i], ARGV[10]) end
return {'created', raw}
