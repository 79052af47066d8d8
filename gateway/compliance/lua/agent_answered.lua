-- A person answered: the ticket's first reply if it has none yet, and every waiting message
-- settled as answered within the window or late.
-- KEYS: clocks, waiting, touched, opened, first, settled_seq, settled
-- ARGV: conversation_id, ticket_id, at, window_s, cutoff_30d, keep_settled
local conv, ticket, at = ARGV[1], ARGV[2], ARGV[3]
local opened = redis.call('HGET', KEYS[1], conv .. '|o')
local first = 0
if redis.call('HGET', KEYS[1], conv .. '|t') == ticket and opened and
    not redis.call('HGET', KEYS[1], conv .. '|f') then
  first = 1
  redis.call('HSET', KEYS[1], conv .. '|f', at)
  if redis.call('ZSCORE', KEYS[4], ticket) then
    redis.call('ZADD', KEYS[5], opened, ticket .. '|' .. at)
  end
end
local within, late = 0, 0
for t in string.gmatch(redis.call('HGET', KEYS[1], conv .. '|w') or '', '[^,]+') do
  local on_time = tonumber(at) - tonumber(t) <= tonumber(ARGV[4])
  local number = redis.call('INCR', KEYS[6])
  redis.call('ZADD', KEYS[7], t, number .. '|' .. (on_time and '1' or '0'))
  if on_time then within = within + 1 else late = late + 1 end
end
redis.call('HDEL', KEYS[1], conv .. '|w', conv .. '|x')
redis.call('ZREM', KEYS[2], conv)
redis.call('ZADD', KEYS[3], at, conv)
redis.call('ZREMRANGEBYSCORE', KEYS[7], '-inf', ARGV[5])
redis.call('ZREMRANGEBYRANK', KEYS[7], 0, -tonumber(ARGV[6]) - 1)
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', ARGV[5])
return {first, opened or '', within, late}
