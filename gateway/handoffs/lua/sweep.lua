-- Time-outs: assigned tickets whose agent went idle go back to the queue (at their first place);
-- pending tickets past the queue timeout expire, the shopper is told, the bot takes over again.
-- KEYS: queue, queue_deadlines, assigned, expired
-- ARGV: ticket_prefix, conv_prefix, at, queue_timeout_s, expired_text, ttl_s, keep_expired
local at = tonumber(ARGV[3])
local requeued = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[3])) do
  local key = ARGV[1] .. id
  if redis.call('HGET', key, 'state') == 'assigned' then
    redis.call('HSET', key, 'state', 'pending', 'updated', ARGV[3], 'queued', ARGV[3])
    redis.call('HDEL', key, 'agent', 'deadline')
    redis.call('ZADD', KEYS[1], redis.call('HGET', key, 'created'), id)
    redis.call('ZADD', KEYS[2], ARGV[3], id)
    table.insert(requeued, id)
  end
  redis.call('ZREM', KEYS[3], id)
end
local expired = {}
local cutoff = '(' .. tostring(at - tonumber(ARGV[4]))
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', cutoff)) do
  local key = ARGV[1] .. id
  if redis.call('HGET', key, 'state') == 'pending' then
    redis.call('HSET', key, 'state', 'expired', 'updated', ARGV[3])
    local conv = redis.call('HGET', key, 'conv')
    local meta = ARGV[2] .. conv .. ':meta'
    if redis.call('HGET', meta, 'ticket') == id then
      local log = ARGV[2] .. conv .. ':log'
      redis.call('XADD', log, '*', 'author', 'gateway', 'text', ARGV[5], 'message_id', '',
        'at', ARGV[3])
      redis.call('EXPIRE', log, ARGV[6])
      redis.call('HDEL', meta, 'ticket')
      redis.call('HSET', meta, 'owner', 'bot')
      redis.call('HINCRBY', meta, 'version', 1)
    end
    redis.call('ZADD', KEYS[4], ARGV[3], id)
    table.insert(expired, id)
  end
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
end
redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -tonumber(ARGV[7]) - 1)
return {expired, requeued}
