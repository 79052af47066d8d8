-- Resolve a call to a virtual number: which shop the caller belongs to in this pool, and that
-- shop's latest binding of the number (the caller decides what a live or ended one means).
-- KEYS: callers, bind
-- ARGV: caller, number, owner ('' = a platform pool), configured_shop ('' = none)
local shop = ARGV[4]
if shop == '' then shop = redis.call('HGET', KEYS[1], ARGV[1]) or '' end
local registered = shop ~= ''
if ARGV[3] ~= '' then
  registered = registered and shop == ARGV[3]
  shop = ARGV[3]
end
if shop == '' then return {'', 0, false} end
return {shop, registered and 1 or 0, redis.call('HGET', KEYS[2], shop .. '|' .. ARGV[2])}
