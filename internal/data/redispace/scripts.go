package redispace

import "github.com/redis/go-redis/v9"

// The bucket of one merchant's operation is one hash (one key, so one slot on a cluster):
//
//	tokens      permits in hand; below zero, permits promised to callers still waiting
//	ts          when tokens was last brought up to date (µs, the server's TIME)
//	slow        the fraction of the rate in force while slow_until has not passed
//	slow_until  the end of the back-off (µs)
//	slow_since  the last time a FREQUENCY_LIMITED answer halved the rate (µs)
//
// Time is the Redis server's (TIME), never a replica's clock: replicas whose clocks disagree
// still share one bucket. Numbers are written with string.format, since Redis turns a Lua
// number into a string with 14 significant digits, too few for microseconds since 1970.

// reserveScript takes a permit and answers how long to wait for it, in µs (0: now). The bucket
// refills at rate × slow × share a second up to burst; a permit taken from an empty bucket is a
// reservation (tokens below zero) that the caller waits out, so callers queue in the order they
// asked and each asks once. A permit later than the caller can wait (ARGV[8], µs; negative: no
// bound) is not taken: the answer is -1. Taken, it would be lost with the caller gone, and
// callers that keep coming back after their deadline would push every later permit out of reach.
//
// The replicas' list (a sorted set: replica → its last permit, µs) notes the caller, drops
// replicas silent for longer than forget, and counts those silent for longer than grace: they
// are presumed on their own pace of rate / max replicas, so share is 1 − away / max replicas
// (at least 1 / max replicas: the caller is here).
//
// KEYS[1] the bucket, KEYS[2] its replicas; ARGV[1] rate a second, ARGV[2] burst, ARGV[3] the
// bucket's lifetime (ms), ARGV[4] the caller, ARGV[5] max replicas, ARGV[6] grace (µs),
// ARGV[7] forget (µs), ARGV[8] the longest the caller can wait (µs; negative: no bound).
var reserveScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local most, grace, forget = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
redis.call('ZADD', KEYS[2], string.format('%d', now), ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. string.format('%d', now - forget))
local away = redis.call('ZCOUNT', KEYS[2], '-inf', '(' .. string.format('%d', now - grace))
redis.call('PEXPIRE', KEYS[2], math.ceil(forget / 1000))
local share = math.max(1 / most, 1 - away / most)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts', 'slow', 'slow_until')
local slow = 1
if b[4] and now < tonumber(b[4]) then slow = tonumber(b[3]) end
local perUs = rate * slow * share / 1000000
local tokens = burst
if b[1] then
  tokens = math.min(burst, tonumber(b[1]) + math.max(0, now - tonumber(b[2])) * perUs)
end
tokens = tokens - 1
local wait = 0
if tokens < 0 then wait = math.ceil(-tokens / perUs) end
local bound = tonumber(ARGV[8])
if bound >= 0 and wait > bound then return -1 end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.6f', tokens), 'ts', string.format('%d', now))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return wait
`)

// limitedScript slows the bucket down after a FREQUENCY_LIMITED answer: the permits in hand are
// dropped and the rate halves for the back-off, down to minSlow of it. Replicas that met the
// same burst of refusals halve it once: one halving a second at most (WeChat counts by the
// second); each refusal extends the back-off.
//
// KEYS[1] the bucket; ARGV[1] back-off (µs), ARGV[2] minSlow, ARGV[3] the key's lifetime (ms).
var limitedScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'slow', 'slow_until', 'slow_since')
local slow = 1
if b[3] and now < tonumber(b[3]) then slow = tonumber(b[2]) end
local since = tonumber(b[4] or '0')
if now - since >= 1000000 then
  slow = math.max(slow / 2, tonumber(ARGV[2]))
  since = now
end
if not b[1] or tonumber(b[1]) > 0 then
  redis.call('HSET', KEYS[1], 'tokens', '0', 'ts', string.format('%d', now))
end
redis.call('HSET', KEYS[1], 'slow', string.format('%.6f', slow),
  'slow_until', string.format('%d', now + tonumber(ARGV[1])), 'slow_since', string.format('%d', since))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`)
