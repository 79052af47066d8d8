-- Switch bot mode on or off, with a history entry; switching it on starts both modes' sanction
-- points from zero. Nothing changes when it already is as asked.
-- KEYS: state, history, seq   ARGV: enabled ('1'/'0'), by, reason, at, history JSON, keep_history
local current = redis.call('HGET', KEYS[1], 'bot') or '1'
if current == ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'bot', ARGV[1], 'bot_since', ARGV[4], 'bot_by', ARGV[2],
  'bot_reason', ARGV[3])
redis.call('LPUSH', KEYS[2], ARGV[5])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[6]) - 1)
if ARGV[1] == '1' then
  redis.call('HSET', KEYS[1], 'reset_at', ARGV[4], 'reset_id', redis.call('GET', KEYS[3]) or '0',
    'enforce:sanction', 0, 'monitor:sanction', 0)
  redis.call('HDEL', KEYS[1], 'enforce:warned_at', 'monitor:warned_at', 'monitor:suspended_at')
end
return 1
