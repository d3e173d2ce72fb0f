-- Finish a rebuild: write the totals (which makes the template loaded) and lift the pause, if
-- the caller still holds the pause's lease. KEYS[1] pause flag, KEYS[2] totals; ARGV[1] the
-- lease, ARGV[2] count, ARGV[3] amount booked, ARGV[4] count budget, ARGV[5] amount budget,
-- ARGV[6] per-shopper limit. Returns 1 when loaded, 0 when the lease was lost
-- (expired, or taken by another rebuild): nothing is written.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], 'count', ARGV[2], 'amount', ARGV[3], 'budget_count', ARGV[4],
  'budget_amount', ARGV[5], 'limit', ARGV[6])
redis.call('DEL', KEYS[1])
return 1
