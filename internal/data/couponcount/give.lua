-- Undo one booking of a shopper, named by its seq. KEYS as in take.lua; ARGV[1] shopper,
-- ARGV[2] seq.
-- Returns 1 if undone; 0 if there was nothing to undo (given before, or the counters were lost
-- or rebuilt since: a rebuild reads the database, where the coupon is not, so the booking is
-- gone already); -5 if paused (nothing changes: the rebuild under way reads the database
-- after every claim in flight has written or given up).
if redis.call('EXISTS', KEYS[1]) == 1 then
  return -5
end
local field = ARGV[1] .. ':' .. ARGV[2]
local most = redis.call('HGET', KEYS[3], field)
if not most then
  return 0
end
redis.call('HDEL', KEYS[3], field)
if redis.call('HINCRBY', KEYS[3], ARGV[1], -1) <= 0 then
  redis.call('HDEL', KEYS[3], ARGV[1])
end
-- The totals are undone only while they exist: totals conjured by a give would make a lost
-- template look loaded with nothing issued.
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('HINCRBY', KEYS[2], 'count', -1)
  -- 0 - most, not -most: a rebuilt booking's most is 0, and Lua's -0 reaches Redis as "-0",
  -- which HINCRBY refuses.
  redis.call('HINCRBY', KEYS[2], 'amount', 0 - tonumber(most))
end
return 1
