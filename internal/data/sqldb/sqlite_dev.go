//go:build dev

package sqldb

// SQLite is the embedded default's database (`make run`), a development stand-in: only binaries
// built with -tags dev link its driver.
import _ "modernc.org/sqlite" // database/sql driver "sqlite", pure Go
