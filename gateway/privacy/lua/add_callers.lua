-- Add callers to a shop, all or nothing: when any is a caller of another shop of the same pool,
-- none is added (a call to a shared number is routed by its caller: one caller, one shop).
-- KEYS: callers (caller -> shop), shop_callers (set)   ARGV: shop, number...
local shop = ARGV[1]
local taken, already, added = {}, {}, {}
for i = 2, #ARGV do
  local owner = redis.call('HGET', KEYS[1], ARGV[i])
  if owner and owner ~= shop then
    taken[#taken + 1] = ARGV[i]
  elseif owner then
    already[#already + 1] = ARGV[i]
  end
end
if #taken > 0 then return {{}, {}, taken} end
for i = 2, #ARGV do
  if redis.call('HSETNX', KEYS[1], ARGV[i], shop) == 1 then
    redis.call('SADD', KEYS[2], ARGV[i])
    added[#added + 1] = ARGV[i]
  end
end
return {added, already, {}}
