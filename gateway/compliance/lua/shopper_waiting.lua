-- A shopper message written to a conversation a person owns: it waits for an answer.
-- KEYS: clocks, waiting, touched   ARGV: conversation_id, at
local conv, at = ARGV[1], ARGV[2]
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
