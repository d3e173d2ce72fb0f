//go:build !dev

package dbmigrate

import (
	"database/sql"

	"github.com/golang-migrate/migrate/v4/database"

	"github.com/groupbuy/groupbuy/internal/conf"
)

// sqliteDriver refuses: the production build has no SQLite.
func sqliteDriver(*sql.DB) (database.Driver, error) {
	return nil, conf.StandInError("data.database.driver sqlite")
}
