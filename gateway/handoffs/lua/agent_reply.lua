-- The assigned agent's reply: appended to the conversation; the idle deadline moves on.
-- KEYS: assigned   ARGV: ticket_prefix, conv_prefix, ticket_id, agent, message_id, text, at,
--                        deadline, ttl_s
local key = ARGV[1] .. ARGV[3]
local state = redis.call('HGET', key, 'state')
if not state then return {'missing'} end
if state ~= 'assigned' then return {'refused', state} end
if redis.call('HGET', key, 'agent') ~= ARGV[4] then return {'refused', state, 'other_agent'} end
redis.call('HSET', key, 'deadline', ARGV[8], 'updated', ARGV[7])
redis.call('ZADD', KEYS[1], ARGV[8], ARGV[3])
local log = ARGV[2] .. redis.call('HGET', key, 'conv') .. ':log'
local cursor = redis.call('XADD', log, '*', 'author', 'agent', 'text', ARGV[6],
  'message_id', ARGV[5], 'at', ARGV[7])
redis.call('EXPIRE', log, ARGV[9])
return {'ok', cursor}
