-- Give one order's reservation back. KEYS as in reserve.lua. Returns 1 if released, 0 if there
-- was nothing (never reserved, or released before).
local lines = redis.call('HGETALL', KEYS[3])
if #lines == 0 then
  return 0
end
for i = 1, #lines, 2 do
  redis.call('HINCRBY', KEYS[1], lines[i], lines[i + 1])
  redis.call('HINCRBY', KEYS[2], lines[i], -tonumber(lines[i + 1]))
end
redis.call('DEL', KEYS[3])
return 1
