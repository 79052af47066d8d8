-- resolve (assigned -> resolved), release (assigned -> pending) or cancel (pending -> cancelled).
-- Resolve and cancel give the conversation back to the bot (version +1).
-- KEYS: queue, queue_deadlines, assigned
-- ARGV: ticket_prefix, conv_prefix, ticket_id, action, agent, at
local key = ARGV[1] .. ARGV[3]
local state = redis.call('HGET', key, 'state')
if not state then return {'missing'} end
local action = ARGV[4]
if action == 'cancel' then
  if state ~= 'pending' then return {'refused', state} end
else
  if state ~= 'assigned' then return {'refused', state} end
  if redis.call('HGET', key, 'agent') ~= ARGV[5] then return {'refused', state, 'other_agent'} end
end
local id = ARGV[3]
if action == 'release' then
  redis.call('HSET', key, 'state', 'pending', 'updated', ARGV[6], 'queued', ARGV[6])
  redis.call('HDEL', key, 'agent', 'deadline')
  redis.call('ZREM', KEYS[3], id)
  redis.call('ZADD', KEYS[1], redis.call('HGET', key, 'created'), id)
  redis.call('ZADD', KEYS[2], ARGV[6], id)
else
  redis.call('HSET', key, 'state', action == 'cancel' and 'cancelled' or 'resolved',
    'updated', ARGV[6])
  redis.call('HDEL', key, 'deadline')
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZREM', KEYS[3], id)
  local meta = ARGV[2] .. redis.call('HGET', key, 'conv') .. ':meta'
  if redis.call('HGET', meta, 'ticket') == id then
    redis.call('HDEL', meta, 'ticket')
    redis.call('HSET', meta, 'owner', 'bot')
    redis.call('HINCRBY', meta, 'version', 1)
  end
end
local fields = redis.call('HGETALL', key)
table.insert(fields, 1, 'ok')
return fields
