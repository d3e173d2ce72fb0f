// Package migrations carries the versioned SQL migrations inside the program, one golang-migrate
// directory per engine. They are written by `go run -mod=mod ./ent/migrate/main.go <name>` and
// applied by internal/data/dbmigrate.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed postgres/*.sql
var postgres embed.FS

//go:embed sqlite/*.sql
var sqlite embed.FS

// Postgres holds the PostgreSQL migrations (NNNN_name.up.sql / .down.sql) at its root.
var Postgres fs.FS = mustSub(postgres, "postgres")

// SQLite holds the SQLite migrations at its root.
var SQLite fs.FS = mustSub(sqlite, "sqlite")

// mustSub cannot fail: the directory names are checked by the embed patterns at compile time.
func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	return sub
}
