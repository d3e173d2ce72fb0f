package conf

import (
	"fmt"
	"sync"

	"github.com/go-kratos/kratos/v2/config"
	"github.com/go-kratos/kratos/v2/config/env"
	"github.com/go-kratos/kratos/v2/config/file"
	"github.com/go-kratos/kratos/v2/log"
)

// EnvPrefix marks the environment variables that fill ${KEY} placeholders: GROUPBUY_DB_SOURCE
// fills ${DB_SOURCE}.
const EnvPrefix = "GROUPBUY_"

var quietConfigLog sync.Once

// Load reads the configuration file at path, resolving placeholders from the environment, and
// fills unset settings with their defaults (ApplyDefaults). Every program of the project reads
// its configuration this way.
func Load(path string) (*Bootstrap, error) {
	quietConfigLog.Do(func() {
		// The config package logs through kratos's global logger; only its warnings matter
		// here. Once: an earlier Load's file watcher reads the global logger as it stops.
		log.SetLogger(log.NewFilter(log.GetLogger(), log.FilterLevel(log.LevelWarn)))
	})
	c := config.New(config.WithSource(env.NewSource(EnvPrefix), file.NewSource(path)))
	defer c.Close()
	if err := c.Load(); err != nil {
		return nil, fmt.Errorf("load config %s: %w", path, err)
	}
	var bc Bootstrap
	if err := c.Scan(&bc); err != nil {
		return nil, fmt.Errorf("parse config %s: %w", path, err)
	}
	ApplyDefaults(&bc)
	return &bc, nil
}
