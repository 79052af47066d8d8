-- Keep one ledger entry under the shop's next id, add it to the rolling totals of its mode and,
-- for the bot's answers, to the sanction points: warn at warn_at; at suspend_at switch bot mode
-- off (enforce) or note when it would have been (monitor). First every window forgets the
-- entries that fell out of it (their contributions subtracted), so totals stay exact.
-- KEYS: seq, ledger, state, history,
--       enforce: w_day, w_30d, t_day, t_30d,  monitor: w_day, w_30d, t_day, t_30d
-- ARGV: at, mode, entry JSON, member tail (author|sanctioned|deduction|cat,points,findings;...),
--       points, warn_at, suspend_at, keep, cutoff_day, cutoff_30d, history JSON (a suspension),
--       keep_history
local at, mode = ARGV[1], ARGV[2]
local state = KEYS[3]
-- Entries numbered after the last switch of bot mode to on count towards the sanctions.
local reset_id = tonumber(redis.call('HGET', state, 'reset_id') or '0')

local function bump(key, field, by)
  if by ~= 0 and redis.call('HINCRBY', key, field, by) <= 0 then
    redis.call('HDEL', key, field)
  end
end

-- Add (sign 1) or subtract (sign -1) one member's contributions to a totals hash; its points.
local function apply(totals, member, sign)
  local author, sanctioned, deduction, cats =
    string.match(member, '^[^|]*|([^|]*)|([^|]*)|([^|]*)|(.*)$')
  local points, findings = 0, 0
  for cat, p, f in string.gmatch(cats, '([^,;]+),([^,;]+),([^,;]+)') do
    p, f = tonumber(p), tonumber(f)
    bump(totals, 'c:' .. cat .. ':p', sign * p)
    bump(totals, 'c:' .. cat .. ':t', sign)
    bump(totals, 'c:' .. cat .. ':f', sign * f)
    points, findings = points + p, findings + f
  end
  bump(totals, 'n', sign)
  bump(totals, 'p', sign * points)
  if sanctioned == '1' then bump(totals, 'd', sign * tonumber(deduction)) end
  bump(totals, 'a:' .. author .. ':p', sign * points)
  bump(totals, 'a:' .. author .. ':t', sign)
  bump(totals, 'a:' .. author .. ':f', sign * findings)
  return points, sanctioned == '1'
end

local function prune(window, totals, cutoff, sanction_field)
  local old = redis.call('ZRANGEBYSCORE', window, '-inf', cutoff, 'WITHSCORES')
  for i = 1, #old, 2 do
    local points, sanctioned = apply(totals, old[i], -1)
    if sanction_field then
      local id = tonumber(string.match(old[i], '^([^|]*)|'))
      if sanctioned and id > reset_id then bump(state, sanction_field, -points) end
      redis.call('ZREMRANGEBYSCORE', KEYS[2], id, id)
    end
  end
  redis.call('ZREMRANGEBYSCORE', window, '-inf', cutoff)
end

prune(KEYS[5], KEYS[7], ARGV[9], nil)
prune(KEYS[6], KEYS[8], ARGV[10], 'enforce:sanction')
prune(KEYS[9], KEYS[11], ARGV[9], nil)
prune(KEYS[10], KEYS[12], ARGV[10], 'monitor:sanction')

local number = redis.call('INCR', KEYS[1])
local id = string.format('%012d', number)
redis.call('ZADD', KEYS[2], number, id .. '|' .. ARGV[3])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -tonumber(ARGV[8]) - 1)

local base = mode == 'enforce' and 4 or 8
local member = id .. '|' .. ARGV[4]
redis.call('ZADD', KEYS[base + 1], at, member)
redis.call('ZADD', KEYS[base + 2], at, member)
local points, sanctioned = apply(KEYS[base + 3], member, 1)
apply(KEYS[base + 4], member, 1)

local field = mode .. ':sanction'
local before = tonumber(redis.call('HGET', state, field) or '0')
local after = before
local warned, suspended = 0, 0
if sanctioned then
  after = before + points
  if after ~= before then redis.call('HSET', state, field, after) end
  if before < tonumber(ARGV[6]) and after >= tonumber(ARGV[6]) then
    warned = 1
    redis.call('HSET', state, mode .. ':warned_at', at)
  end
  if after >= tonumber(ARGV[7]) then
    if mode == 'enforce' then
      if (redis.call('HGET', state, 'bot') or '1') == '1' then
        suspended = 1
        local history = cjson.decode(ARGV[11])
        redis.call('HSET', state, 'bot', '0', 'bot_since', at, 'bot_by', history['by'],
          'bot_reason', history['reason'])
        redis.call('LPUSH', KEYS[4], ARGV[11])
        redis.call('LTRIM', KEYS[4], 0, tonumber(ARGV[12]) - 1)
      end
    elseif not redis.call('HGET', state, 'monitor:suspended_at') then
      suspended = 1
      redis.call('HSET', state, 'monitor:suspended_at', at)
    end
  end
end
return {id, after, warned, suspended}
