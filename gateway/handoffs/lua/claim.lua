-- pending -> assigned to one agent. Exactly one of several agents claiming at once wins: the
-- state is read and written in one step.
-- KEYS: queue, queue_deadlines, assigned   ARGV: ticket_prefix, ticket_id, agent, at, deadline
local key = ARGV[1] .. ARGV[2]
local state = redis.call('HGET', key, 'state')
if not state then return {'missing'} end
if state ~= 'pending' then return {'refused', state} end
redis.call('HSET', key, 'state', 'assigned', 'agent', ARGV[3], 'deadline', ARGV[5],
  'updated', ARGV[4])
redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[2])
local fields = redis.call('HGETALL', key)
table.insert(fields, 1, 'ok')
return fields
