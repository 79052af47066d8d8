-- End a shopper message's handling by giving the conversation to a human, in one step: bump the
-- version once, list the conversation as waiting, keep every reason, append the holding reply, and
-- record the outcome for replays of the message id.
-- KEYS: meta, log, mids, waiting, reasons
-- ARGV: conversation_id, message_id, at, ttl_s, holding_text ('' = none), outcome, reason...
local owner = redis.call('HGET', KEYS[1], 'owner') or 'bot'
if owner ~= 'human' then
  redis.call('HSET', KEYS[1], 'owner', 'human', 'handed_at', ARGV[3])
  redis.call('HINCRBY', KEYS[1], 'version', 1)
  redis.call('ZADD', KEYS[4], 'NX', ARGV[3], ARGV[1])
end
for i = 7, #ARGV do redis.call('RPUSH', KEYS[5], ARGV[i]) end
if ARGV[5] ~= '' then
  redis.call('XADD', KEYS[2], '*', 'author', 'gateway', 'text', ARGV[5],
    'message_id', ARGV[2], 'at', ARGV[3])
end
redis.call('HSET', KEYS[3], ARGV[2], ARGV[6])
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[4]) end
redis.call('EXPIRE', KEYS[5], ARGV[4])
return {'human', redis.call('HGET', KEYS[1], 'version')}
