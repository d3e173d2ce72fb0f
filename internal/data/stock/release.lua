-- Give one order's reservation back. KEYS as in reserve.lua; ARGV[1] the shopper. Returns 1 if
-- released, 0 if there was nothing (never reserved, or released before), -1 if the order was
-- reserved by another shopper (nothing changes: the caller has the wrong order).
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
    redis.call('HINCRBY', KEYS[1], item, lines[i + 1])
    redis.call('HINCRBY', KEYS[2], item, -tonumber(lines[i + 1]))
  end
end
redis.call('DEL', KEYS[3])
return 1
