-- Give the conversation to a human: bump the version once, list it as waiting, keep every reason.
-- KEYS: meta, waiting, reasons   ARGV: conversation_id, reason, at, ttl_s
local owner = redis.call('HGET', KEYS[1], 'owner') or 'bot'
if owner ~= 'human' then
  redis.call('HSET', KEYS[1], 'owner', 'human', 'handed_at', ARGV[3])
  redis.call('HINCRBY', KEYS[1], 'version', 1)
  redis.call('ZADD', KEYS[2], 'NX', ARGV[3], ARGV[1])
end
redis.call('RPUSH', KEYS[3], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[3], ARGV[4])
return {'human', redis.call('HGET', KEYS[1], 'version')}
