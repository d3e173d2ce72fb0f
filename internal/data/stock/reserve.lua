-- Reserve every line of one order, or nothing.
-- KEYS[1] stock hash (item -> remaining), KEYS[2] the shopper's holdings (item -> quantity),
-- KEYS[3] the reservation of the caller's token (item -> quantity, plus _user and _lines),
-- KEYS[4] the batch's pause flag. All share the batch's hash tag.
-- ARGV[1] number of lines, then item, quantity, per-shopper limit (0: none) for each line;
-- ARGV[#ARGV - 1] the shopper, ARGV[#ARGV] a fingerprint of the lines.
-- Returns {1, 0} reserved by this call, {2, 0} already reserved by this token with the same lines
-- and shopper (nothing changes),
-- {-1, item} not loaded, {-2, item} sold out, {-3, item} per-shopper limit exceeded,
-- {-4, 0} the token was reserved before with other lines or for another shopper,
-- {-5, 0} the batch is paused while the reconciler rebuilds it (nothing is read or changed).
-- Stock.Rebuild writes KEYS[2] and KEYS[3] exactly as this script does: keep the two in step.
if redis.call('EXISTS', KEYS[4]) == 1 then
  return {-5, 0}
end
local user, lines = ARGV[#ARGV - 1], ARGV[#ARGV]
if redis.call('EXISTS', KEYS[3]) == 1 then
  local prev = redis.call('HMGET', KEYS[3], '_user', '_lines')
  if prev[1] == user and prev[2] == lines then
    return {2, 0}
  end
  return {-4, 0}
end
local n = tonumber(ARGV[1])
for i = 0, n - 1 do
  local item, qty, limit = ARGV[2 + i * 3], tonumber(ARGV[3 + i * 3]), tonumber(ARGV[4 + i * 3])
  local left = redis.call('HGET', KEYS[1], item)
  if not left then
    return {-1, tonumber(item)}
  end
  if tonumber(left) < qty then
    return {-2, tonumber(item)}
  end
  local held = tonumber(redis.call('HGET', KEYS[2], item) or '0')
  if limit > 0 and held + qty > limit then
    return {-3, tonumber(item)}
  end
end
for i = 0, n - 1 do
  local item, qty = ARGV[2 + i * 3], tonumber(ARGV[3 + i * 3])
  redis.call('HINCRBY', KEYS[1], item, -qty)
  redis.call('HINCRBY', KEYS[2], item, qty)
  redis.call('HSET', KEYS[3], item, qty)
end
redis.call('HSET', KEYS[3], '_user', user, '_lines', lines)
return {1, 0}
