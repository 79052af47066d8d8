-- Append a reply only while the conversation's version is the one the caller saw (compare-and-append),
-- so a bot answer that arrives after a human took over is dropped instead of delivered.
-- KEYS: meta, log   ARGV: expected_version ('' = any), author, message_id, text, at, ttl_s
if ARGV[1] ~= '' then
  local version = redis.call('HGET', KEYS[1], 'version') or '0'
  if version ~= ARGV[1] then return false end
end
local id = redis.call('XADD', KEYS[2], '*', 'author', ARGV[2], 'text', ARGV[4],
  'message_id', ARGV[3], 'at', ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[6])
return id
