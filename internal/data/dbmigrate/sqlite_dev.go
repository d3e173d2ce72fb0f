//go:build dev

package dbmigrate

import (
	"database/sql"

	"github.com/golang-migrate/migrate/v4/database"
	migratesqlite "github.com/golang-migrate/migrate/v4/database/sqlite"
)

// sqliteDriver is golang-migrate's SQLite driver on db (it links the SQLite driver, a
// development stand-in, so only binaries built with -tags dev have it).
func sqliteDriver(db *sql.DB) (database.Driver, error) {
	return migratesqlite.WithInstance(db, &migratesqlite.Config{})
}
