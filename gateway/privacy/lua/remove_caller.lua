-- Remove one of the shop's callers (only its own).
-- KEYS: callers (caller -> shop), shop_callers (set)   ARGV: shop, number
if redis.call('HGET', KEYS[1], ARGV[2]) ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], ARGV[2])
redis.call('SREM', KEYS[2], ARGV[2])
return 1
