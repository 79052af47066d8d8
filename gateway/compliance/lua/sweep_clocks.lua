-- Settle the waiting messages whose window passed as missed, then take the warnings now due: a
-- conversation's oldest waiting message has waited warn_fraction of its window (first_reply_s
-- before the ticket's first reply, answer_window_s after); each waiting stretch is warned of once.
-- KEYS: clocks, waiting, settled_seq, settled
-- ARGV: at, first_reply_s, answer_window_s, warn_fraction, limit, cutoff_30d, keep_settled,
--       overdue_below (conversations waiting since before this may hold missed messages),
--       warn_below (conversations waiting since at most this may be due a warning)
local at = tonumber(ARGV[1])
local window, first_window = tonumber(ARGV[3]), tonumber(ARGV[2])
local fraction, limit = tonumber(ARGV[4]), tonumber(ARGV[5])
local missed = 0
for _, conv in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[8],
    'LIMIT', 0, limit)) do
  local rest = {}
  for t in string.gmatch(redis.call('HGET', KEYS[1], conv .. '|w') or '', '[^,]+') do
    if at - tonumber(t) > window then
      local number = redis.call('INCR', KEYS[3])
      redis.call('ZADD', KEYS[4], t, number .. '|0')
      missed = missed + 1
    else
      table.insert(rest, t)
    end
  end
  if #rest == 0 then
    redis.call('HDEL', KEYS[1], conv .. '|w')
    redis.call('ZREM', KEYS[2], conv)
  else
    redis.call('HSET', KEYS[1], conv .. '|w', table.concat(rest, ','))
    redis.call('ZADD', KEYS[2], rest[1], conv)
  end
end
if missed > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', ARGV[6])
  redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -tonumber(ARGV[7]) - 1)
end
local warnings = {}
for _, conv in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[9], 'LIMIT', 0, limit)) do
  local ticket = redis.call('HGET', KEYS[1], conv .. '|t')
  local start = string.match(redis.call('HGET', KEYS[1], conv .. '|w') or '', '^[^,]+')
  if ticket and start then
    local answered = redis.call('HGET', KEYS[1], conv .. '|f') ~= false
    local span = answered and window or first_window
    if at >= tonumber(start) + fraction * span and
        redis.call('HGET', KEYS[1], conv .. '|x') ~= start then
      redis.call('HSET', KEYS[1], conv .. '|x', start)
      table.insert(warnings, {conv, ticket, start, answered and 'answer' or 'first_reply'})
    end
  end
end
return {missed, warnings}
