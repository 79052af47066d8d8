-- Keep one call record and forget the shop's records older than the retention, in one step.
-- KEYS: calls   ARGV: member ("<at_ms, 15 digits>-<hex>|<JSON>"), keep_after (15 digits), keep_s
redis.call('ZADD', KEYS[1], 0, ARGV[1])
redis.call('ZREMRANGEBYLEX', KEYS[1], '-', '(' .. ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
