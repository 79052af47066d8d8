-- The conversation went to a person: with created, the ticket's clock starts (no first reply
-- yet, counted among the tickets opened); either way the shopper message that sent it waits.
-- Clocks idle past the keep period are forgotten first (at most 100 a step).
-- KEYS: clocks, waiting, touched, opened, first
-- ARGV: conversation_id, ticket_id, at, created ('1'/'0'), cutoff_30d, cutoff_keep
local conv, at = ARGV[1], ARGV[3]
for _, stale in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[6], 'LIMIT', 0, 100)) do
  redis.call('HDEL', KEYS[1], stale .. '|t', stale .. '|o', stale .. '|f', stale .. '|w',
    stale .. '|x')
  redis.call('ZREM', KEYS[2], stale)
  redis.call('ZREM', KEYS[3], stale)
end
if ARGV[4] == '1' then
  redis.call('HSET', KEYS[1], conv .. '|t', ARGV[2], conv .. '|o', at)
  redis.call('HDEL', KEYS[1], conv .. '|f', conv .. '|x')
  redis.call('ZADD', KEYS[4], at, ARGV[2])
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', ARGV[5])
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', ARGV[5])
end
local times = {}
for t in string.gmatch(redis.call('HGET', KEYS[1], conv .. '|w') or '', '[^,]+') do
  table.insert(times, t)
end
local position = #times + 1
while position > 1 and tonumber(times[position - 1]) > tonumber(at) do
  position = position - 1
end
table.insert(times, position, at)
redis.call('HSET', KEYS[1], conv .. '|w', table.concat(times, ','))
redis.call('ZADD', KEYS[2], times[1], conv)
redis.call('ZADD', KEYS[3], at, conv)
return 1
