package redispace

import "github.com/redis/go-redis/v9"

// The pace of one merchant's operation is one hash (one key, so one slot on a cluster):
//
//	next        when the next permit may be used (µs, the server's TIME): permits are handed
//	            out one after another, each an interval after the one before
//	slow        the fraction of the rate in force while slow_until has not passed
//	slow_until  the end of the back-off (µs)
//	slow_since  the last time a FREQUENCY_LIMITED answer halved the rate (µs)
//
// Keeping the time of the next permit, not a count of tokens, is what keeps the rate when the
// rate changes (a back-off starts or ends, a replica is counted away or back): a permit taken
// now always comes after every permit already promised, at the interval of the rate now. A
// token count computes the wait from the deficit at the rate now, so after a rise the new
// permits fell among those promised at the slower rate, and calls bunched beyond the limit.
//
// Time is the Redis server's (TIME), never a replica's clock: replicas whose clocks disagree
// still share one pace. Numbers are written with string.format, since Redis turns a Lua
// number into a string with 14 significant digits, too few for microseconds since 1970.

// reserveScript takes a permit and answers how long to wait for it, in µs (0: now): the later
// of now and next, next moving on by one interval of rate × slow × share. Callers queue in the
// order they asked and each asks once. A permit later than the caller can wait (ARGV[7], µs;
// negative: no bound) is not taken: the answer is -1. Taken, it would be lost with the caller
// gone, and callers that keep coming back after their deadline would push every later permit
// out of reach.
//
// The replicas' list (a sorted set: replica → its last permit, µs) notes the caller, drops
// replicas silent for longer than forget, and counts those silent for longer than grace: they
// are presumed on their own pace of rate / max replicas, so share is 1 − away / max replicas
// (at least 1 / max replicas: the caller is here).
//
// KEYS[1] the pace, KEYS[2] its replicas; ARGV[1] rate a second, ARGV[2] the key's lifetime
// beyond its next permit (ms), ARGV[3] the caller, ARGV[4] max replicas, ARGV[5] grace (µs),
// ARGV[6] forget (µs), ARGV[7] the longest the caller can wait (µs; negative: no bound).
var reserveScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local rate = tonumber(ARGV[1])
local most, grace, forget = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
redis.call('ZADD', KEYS[2], string.format('%d', now), ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. string.format('%d', now - forget))
local away = redis.call('ZCOUNT', KEYS[2], '-inf', '(' .. string.format('%d', now - grace))
redis.call('PEXPIRE', KEYS[2], math.ceil(forget / 1000))
local share = math.max(1 / most, 1 - away / most)
local b = redis.call('HMGET', KEYS[1], 'next', 'slow', 'slow_until')
local slow = 1
if b[3] and now < tonumber(b[3]) then slow = tonumber(b[2]) end
local at = math.max(now, tonumber(b[1] or '0'))
local wait = at - now
local bound = tonumber(ARGV[7])
if bound >= 0 and wait > bound then return -1 end
local next = at + math.ceil(1000000 / (rate * slow * share))
redis.call('HSET', KEYS[1], 'next', string.format('%d', next))
redis.call('PEXPIRE', KEYS[1], math.ceil((next - now) / 1000) + tonumber(ARGV[2]))
return wait
`)

// limitedScript slows the pace down after a FREQUENCY_LIMITED answer: the rate halves for the
// back-off, down to minSlow of it, and the permits promised so far keep their times (the next
// ones come at the slower interval after them). Replicas that met the same burst of refusals
// halve it once: one halving a second at most (WeChat counts by the second); each refusal
// extends the back-off.
//
// KEYS[1] the pace; ARGV[1] back-off (µs), ARGV[2] minSlow, ARGV[3] the key's lifetime (ms).
var limitedScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local b = redis.call('HMGET', KEYS[1], 'slow', 'slow_until', 'slow_since')
local slow = 1
if b[2] and now < tonumber(b[2]) then slow = tonumber(b[1]) end
local since = tonumber(b[3] or '0')
if now - since >= 1000000 then
  slow = math.max(slow / 2, tonumber(ARGV[2]))
  since = now
end
redis.call('HSET', KEYS[1], 'slow', string.format('%.6f', slow),
  'slow_until', string.format('%d', now + tonumber(ARGV[1])), 'slow_since', string.format('%d', since))
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1
`)
