-- Keep one feedback entry under the shop's next id and forget its oldest entries beyond the cap,
-- with their phrases, in one step.
-- KEYS: last, entries, phrases   ARGV: entry JSON, phrase JSON ('' when none), keep, id digits
local number = redis.call('INCR', KEYS[1])
local digits = tonumber(ARGV[4])
local id = string.format('%0' .. digits .. 'd', number)
redis.call('ZADD', KEYS[2], 0, id .. '|' .. ARGV[1])
if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[3], id, ARGV[2])
end
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[3])
if over > 0 then
  for _, member in ipairs(redis.call('ZRANGE', KEYS[2], 0, over - 1)) do
    redis.call('HDEL', KEYS[3], string.sub(member, 1, digits))
  end
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, over - 1)
end
return id
