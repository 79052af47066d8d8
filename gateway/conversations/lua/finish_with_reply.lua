-- End a shopper message's handling with a reply, in one step: append the reply only while the
-- conversation's version is the one the caller saw (a bot answer that arrives after a human took
-- over is dropped), record the outcome for replays of the message id, keep the message's
-- sentiment and the answer's fingerprint (repeat detection).
-- KEYS: meta, log, mids, fingerprints
-- ARGV: expected_version ('' = any), author, message_id, text, at, ttl_s, outcome_sent,
--       outcome_dropped, fingerprint ('' none), sentiment ('' none), keep_fingerprints
if ARGV[10] ~= '' then
  redis.call('HSET', KEYS[1], 'sentiment', ARGV[10])
else
  redis.call('HDEL', KEYS[1], 'sentiment')
end
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
if ARGV[9] ~= '' then
  redis.call('LPUSH', KEYS[4], ARGV[9])
  redis.call('LTRIM', KEYS[4], 0, tonumber(ARGV[11]) - 1)
end
for i = 1, 4 do redis.call('EXPIRE', KEYS[i], ARGV[6]) end
return id
