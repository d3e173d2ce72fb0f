-- Give one reservation back. KEYS as in reserve.lua; ARGV[1] the shopper. Returns 1 if released,
-- 0 if there was nothing (never reserved, or released before), -1 if the token was reserved by
-- another shopper (nothing changes: the caller has the wrong token), -2 if the batch is paused
-- (nothing changes: the reconciler is rebuilding from the database; the caller retries later).
if redis.call('EXISTS', KEYS[4]) == 1 then
  return -2
end
local lines = redis.call('HGETALL', KEYS[3])
if #lines == 0 then
  return 0
end
if redis.call('HGET', KEYS[3], '_user') ~= ARGV[1] then
  return -1
end
for i = 1, #lines, 2 do
  local item = lines[i]
  if string.sub(item, 1, 1) ~= '_' then
    -- An item whose count is gone (the batch was dropped, or Redis lost it) gets nothing back:
    -- a count conjured from one release would put a lost batch on sale again. The reconciler's
    -- rebuild sets the count.
    if redis.call('HEXISTS', KEYS[1], item) == 1 then
      redis.call('HINCRBY', KEYS[1], item, lines[i + 1])
    end
    -- A shopper's holding that falls to nothing goes, as Rebuild would never have written it.
    if redis.call('HINCRBY', KEYS[2], item, -tonumber(lines[i + 1])) == 0 then
      redis.call('HDEL', KEYS[2], item)
    end
  end
end
redis.call('DEL', KEYS[3])
return 1
