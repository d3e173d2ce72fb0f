package redisdb

import "github.com/google/wire"

// ProviderSet builds the Redis connection and the key prefix.
var ProviderSet = wire.NewSet(
	NewRedis,
	NewKeyPrefix,
)
