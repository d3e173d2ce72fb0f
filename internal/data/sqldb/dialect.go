package sqldb

import (
	"strconv"
	"strings"

	entsql "entgo.io/ent/dialect/sql"
)

// Statements are written once, in PostgreSQL's form: numbered placeholders $1, $2 …, which may
// repeat and come in any order. Rebind turns them into SQLite's numbered form ?1, ?2 … (same numbers,
// so repetition and order keep their meaning), for any number of parameters. A statement never
// holds a $ followed by a digit inside a literal.
func (d *DB) Rebind(query string) string {
	if d.Postgres() {
		return query
	}
	return numbered(query, '?')
}

// numbered rewrites every $N of query as mark followed by N.
func numbered(query string, mark byte) string {
	var b strings.Builder
	b.Grow(len(query))
	for i := 0; i < len(query); i++ {
		c := query[i]
		if c == '$' && i+1 < len(query) && isDigit(query[i+1]) {
			b.WriteByte(mark)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// List is the placeholders $first, $first+1 … for n values, for an IN (…) list.
func List(first, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("$" + strconv.Itoa(first+i))
	}
	return b.String()
}

// Args turns typed values into a statement's arguments, for a List.
func Args[T any](vs []T) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

// Strings turns values of a string type (the states a biz life cycle names) into arguments.
func Strings[S ~string](vs []S) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// ForUpdate is the row-lock clause for a raw SELECT: FOR UPDATE on PostgreSQL, nothing on SQLite,
// whose transactions are BEGIN IMMEDIATE and so already one writer at a time.
func (d *DB) ForUpdate() string {
	if d.Postgres() {
		return "FOR UPDATE"
	}
	return ""
}

// SkipLocked is the clause with which several workers claim disjoint rows of one queue: FOR
// UPDATE SKIP LOCKED on PostgreSQL, nothing on SQLite (one writer at a time).
func (d *DB) SkipLocked() string {
	if d.Postgres() {
		return "FOR UPDATE SKIP LOCKED"
	}
	return ""
}

// Lockable is an ent query that can lock the rows it reads.
type Lockable[Q any] interface {
	ForUpdate(opts ...entsql.LockOption) Q
}

// Lock makes q read its rows FOR UPDATE on PostgreSQL; on SQLite q is left as it is.
func Lock[Q Lockable[Q]](d *DB, q Q) Q {
	if d.Postgres() {
		return q.ForUpdate()
	}
	return q
}

// LockSkipping makes q read its rows FOR UPDATE SKIP LOCKED on PostgreSQL, so that rows another
// transaction holds are passed over instead of waited for; on SQLite q is left as it is.
func LockSkipping[Q Lockable[Q]](d *DB, q Q) Q {
	if d.Postgres() {
		return q.ForUpdate(entsql.WithLockAction(entsql.SkipLocked))
	}
	return q
}

// Insert is a multi-row INSERT builder in the database's dialect, for upserts
// (OnConflict … DoNothing) ent's bulk create does not express.
func (d *DB) Insert(table string) *entsql.InsertBuilder {
	return entsql.Dialect(d.Dialect).Insert(table)
}
