-- Write a shopper message once per message_id; answer the conversation's owner and version as of
-- this write (so routing decides on exactly the state the message was appended to), the previous
-- message's sentiment and the bot's recent answer fingerprints (for repeat detection).
-- KEYS: meta, log, mids, fingerprints   ARGV: message_id, text, at, ttl_s
local owner = redis.call('HGET', KEYS[1], 'owner') or 'bot'
local version = redis.call('HGET', KEYS[1], 'version') or '0'
if redis.call('HSETNX', KEYS[3], ARGV[1], '') == 0 then
  return {'', owner, version, redis.call('HGET', KEYS[3], ARGV[1]), false, {}}
end
local id = redis.call('XADD', KEYS[2], '*', 'author', 'shopper', 'text', ARGV[2],
  'message_id', ARGV[1], 'at', ARGV[3])
redis.call('HSETNX', KEYS[1], 'owner', 'bot')
redis.call('HSETNX', KEYS[1], 'version', '0')
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[4]) end
return {id, owner, version, false, redis.call('HGET', KEYS[1], 'sentiment'),
  redis.call('LRANGE', KEYS[4], 0, -1)}
