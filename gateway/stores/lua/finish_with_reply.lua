-- End a shopper message's handling with a reply, in one step: append the reply only while the
-- conversation's version is the one the caller saw (a bot answer that arrives after a human took
-- over is dropped), and record the outcome the shopper was given for replays of the message id.
-- KEYS: meta, log, mids
-- ARGV: expected_version ('' = any), author, message_id, text, at, ttl_s, outcome_sent, outcome_dropped
if ARGV[1] ~= '' then
  local version = redis.call('HGET', KEYS[1], 'version') or '0'
  if version ~= ARGV[1] then
    redis.call('HSET', KEYS[3], ARGV[3], ARGV[8])
    return false
  end
end
local id = redis.call('XADD', KEYS[2], '*', 'author', ARGV[2], 'text', ARGV[4],
  'message_id', ARGV[3], 'at', ARGV[5])
redis.call('HSET', KEYS[3], ARGV[3], ARGV[7])
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[6]) end
return id
