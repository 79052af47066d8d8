-- The platform's own satisfaction figure for the shop, or none.
-- KEYS: state   ARGV: rate ('' clears it), at, by
if ARGV[1] == '' then
  redis.call('HDEL', KEYS[1], 'platform_rate', 'platform_at', 'platform_by')
else
  redis.call('HSET', KEYS[1], 'platform_rate', ARGV[1], 'platform_at', ARGV[2],
    'platform_by', ARGV[3])
end
return 1
