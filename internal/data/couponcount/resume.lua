-- Lift a pause that the caller's lease still holds. KEYS[1] pause flag; ARGV[1] the lease.
-- Returns 1 when lifted, 0 when the pause is not the caller's (nothing changes).
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
