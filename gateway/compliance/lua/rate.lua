-- One rating per ticket: forget ratings older than the keep period, then keep this one unless
-- the ticket has one.
-- KEYS: ratings (zset ticket -> at), scores (hash ticket -> score)
-- ARGV: ticket_id, score, at, cutoff_keep
local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[4])
for _, ticket in ipairs(old) do redis.call('HDEL', KEYS[2], ticket) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[4])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
