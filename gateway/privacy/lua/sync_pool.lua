-- Rebuild a shop's free list after its pool's numbers changed in configuration: numbers it never
-- bound become fresh; numbers no longer in the pool leave the expiry set and are never bound again.
-- KEYS: exp, fresh, synced   ARGV: pool_fp, keep_s, number...
if redis.call('GET', KEYS[3]) == ARGV[1] then return 0 end
local wanted = {}
for i = 3, #ARGV do wanted[ARGV[i]] = true end
for _, number in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if not wanted[number] then redis.call('ZREM', KEYS[1], number) end
end
redis.call('DEL', KEYS[2])
for i = 3, #ARGV do
  if not redis.call('ZSCORE', KEYS[1], ARGV[i]) then redis.call('ZADD', KEYS[2], 0, ARGV[i]) end
end
redis.call('SET', KEYS[3], ARGV[1])
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[2]) end
return 1
