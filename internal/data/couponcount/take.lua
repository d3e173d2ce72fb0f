-- Book one coupon of a template for a shopper, or nothing.
-- KEYS[1] the template's pause flag (a rebuild's lease), KEYS[2] its totals (hash: count,
-- amount booked, and budget_count, budget_amount, limit as loaded; its existence is what
-- "loaded" means), KEYS[3] its holdings (hash: shopper -> number
-- of bookings, "shopper:seq" -> the most booked by that seq). All share the template's hash tag.
-- ARGV[1] shopper, ARGV[2] count budget, ARGV[3] amount budget, ARGV[4] the coupon's most,
-- ARGV[5] per-shopper limit.
-- Returns {1, seq} booked; {-1, 0} not loaded, {-2, 0} count budget spent, {-3, 0} amount
-- budget spent, {-4, 0} the shopper's limit reached, {-5, 0} paused for a rebuild (nothing read
-- or changed).
if redis.call('EXISTS', KEYS[1]) == 1 then
  return {-5, 0}
end
if redis.call('EXISTS', KEYS[2]) == 0 then
  return {-1, 0}
end
-- The budgets are the lower of the caller's template and the one the last load wrote: a claim
-- holding a template read before an edit lowered its budgets cannot pass the lowered ones.
local t = redis.call('HMGET', KEYS[2], 'count', 'amount', 'budget_count', 'budget_amount', 'limit')
local count, amount = tonumber(t[1] or '0'), tonumber(t[2] or '0')
local budgetCount = math.min(tonumber(ARGV[2]), tonumber(t[3] or ARGV[2]))
local budgetAmount = math.min(tonumber(ARGV[3]), tonumber(t[4] or ARGV[3]))
local user, most = ARGV[1], tonumber(ARGV[4])
local limit = math.min(tonumber(ARGV[5]), tonumber(t[5] or ARGV[5]))
if count >= budgetCount then
  return {-2, 0}
end
if amount + most > budgetAmount then
  return {-3, 0}
end
if tonumber(redis.call('HGET', KEYS[3], user) or '0') >= limit then
  return {-4, 0}
end
-- The lowest free seq: seqs stay within 1..limit, so the database's unique (template, shopper,
-- seq) refuses a coupon beyond the limit even if these counters were wrong.
local seq = 0
for s = 1, limit do
  if redis.call('HEXISTS', KEYS[3], user .. ':' .. s) == 0 then
    seq = s
    break
  end
end
if seq == 0 then
  return {-4, 0}
end
redis.call('HSET', KEYS[3], user .. ':' .. seq, most)
redis.call('HINCRBY', KEYS[3], user, 1)
redis.call('HINCRBY', KEYS[2], 'count', 1)
redis.call('HINCRBY', KEYS[2], 'amount', most)
return {1, seq}
