-- Hand a conversation to a human: open a pending ticket, or join the open one (pending or
-- assigned) by adding the reasons; owner human (version +1 once); optionally append the holding
-- reply and record the message's outcome, all in one step.
-- KEYS: meta, log, mids, queue, queue_deadlines
-- ARGV: ticket_prefix, new_ticket_id, conversation_id, at, ttl_s, message_id, holding ('' none),
--       outcome, has_outcome ('1'/'0'), sentiment ('' none), ticket_ttl_s, reason...
local ticket_id = redis.call('HGET', KEYS[1], 'ticket')
local created = 0
local ticket_key
if ticket_id then
  ticket_key = ARGV[1] .. ticket_id
  local state = redis.call('HGET', ticket_key, 'state')
  if state ~= 'pending' and state ~= 'assigned' then ticket_id = false end
end
if not ticket_id then
  ticket_id = ARGV[2]
  ticket_key = ARGV[1] .. ticket_id
  created = 1
  redis.call('HSET', ticket_key, 'id', ticket_id, 'conv', ARGV[3], 'state', 'pending',
    'reasons', '', 'created', ARGV[4], 'updated', ARGV[4], 'queued', ARGV[4])
  redis.call('ZADD', KEYS[4], ARGV[4], ticket_id)
  redis.call('ZADD', KEYS[5], ARGV[4], ticket_id)
  redis.call('HSET', KEYS[1], 'ticket', ticket_id, 'last_ticket', ticket_id)
end
local reasons = redis.call('HGET', ticket_key, 'reasons') or ''
for i = 12, #ARGV do
  if reasons == '' then reasons = ARGV[i] else reasons = reasons .. ',' .. ARGV[i] end
end
redis.call('HSET', ticket_key, 'reasons', reasons, 'updated', ARGV[4])
redis.call('EXPIRE', ticket_key, ARGV[11])
if (redis.call('HGET', KEYS[1], 'owner') or 'bot') ~= 'human' then
  redis.call('HSET', KEYS[1], 'owner', 'human')
  redis.call('HINCRBY', KEYS[1], 'version', 1)
end
if ARGV[10] ~= '' then
  redis.call('HSET', KEYS[1], 'sentiment', ARGV[10])
else
  redis.call('HDEL', KEYS[1], 'sentiment')
end
if ARGV[7] ~= '' then
  redis.call('XADD', KEYS[2], '*', 'author', 'gateway', 'text', ARGV[7], 'message_id', ARGV[6],
    'at', ARGV[4])
end
if ARGV[9] == '1' then redis.call('HSET', KEYS[3], ARGV[6], ARGV[8]) end
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], ARGV[5]) end
return {ticket_id, created, redis.call('HGET', KEYS[1], 'owner'), redis.call('HGET', KEYS[1], 'version')}
