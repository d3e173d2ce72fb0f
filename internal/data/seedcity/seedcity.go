// Package seedcity fills a PostgreSQL database with the synthetic city of geo.SyntheticCity:
// approved, serving leaders with sealed personal data, and a served grid row for every grid cell
// they fall in. The nearby benchmarks (internal/data) and the load generator (app/loadgen) seed
// through it, so both measure the same rows. It is for benchmark and load-test databases only.
//
// Rows are written with one multi-row INSERT per batch inside one transaction, with explicit ids
// equal to the points' ids: the personal data is sealed with the row id as associated data (as
// the leader repository does), so the id must be known before the row is written, and equal ids
// let a benchmark check the database-backed index against geo.NearestScan point for point.
package seedcity

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect"

	entgrid "github.com/groupbuy/groupbuy/ent/grid"
	entleader "github.com/groupbuy/groupbuy/ent/leader"
	"github.com/groupbuy/groupbuy/internal/crypto/seal"
	"github.com/groupbuy/groupbuy/internal/data/leaderstore"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
	"github.com/groupbuy/groupbuy/internal/geo"
)

// Defaults of the measured city: 100,000 pickup points around People's Square, Shanghai
// (GCJ-02), seed 1, queries from the same distribution.
const (
	DefaultN    = 100_000
	DefaultSeed = 1
	// DefaultBatch rows per INSERT: 18 parameters a row stays far below PostgreSQL's 65,535.
	DefaultBatch = 2000
)

// Centre is the city centre every seeded city and query set uses.
var Centre = geo.LatLng{Lat: 31.2304, Lng: 121.4737}

// Points is the seeded city: n points with ids 1..n.
func Points(n int, seed int64) []geo.Point { return geo.SyntheticCity(n, seed, Centre) }

// Queries is n shopper locations from the same distribution as Points.
func Queries(n int, seed int64) []geo.LatLng { return geo.SyntheticQueries(n, seed, Centre) }

// Options says how to seed. Zero values take the defaults.
type Options struct {
	GridRes   int // H3 resolution of grids, geo.DefaultGridRes when 0
	PickupRes int // H3 resolution of pickup points, geo.DefaultPickupRes when 0
	Batch     int // rows per INSERT, DefaultBatch when 0
	// Spacing is the time between consecutive leaders' updated_at (DefaultSpacing when 0), the
	// last one now, as if approved one by one. Every poll of the nearby index re-reads and
	// re-applies the leaders changed within 10 s (its overlap) of the newest change, so a city
	// stamped within a fraction of a second (e.g. 1µs apart) makes every poll a full reload.
	Spacing time.Duration
}

// DefaultSpacing: 100,000 leaders approved over about 28 hours.
const DefaultSpacing = time.Second

// Result is what Seed wrote.
type Result struct {
	Leaders, Grids int
	Elapsed        time.Duration
}

// Seed writes one approved, serving leader per point (leader id = point id, user id = point id)
// and a served grid row for every grid cell used, in one transaction, then analyzes the tables
// and reads the first and last leader back through the leader repository to prove the sealed
// fields open with keys. The leaders table must be empty.
func Seed(ctx context.Context, db *sqldb.DB, keys *seal.Keyring, pts []geo.Point, opt Options) (Result, error) {
	start := time.Now()
	if db.Dialect != dialect.Postgres {
		return Result{}, fmt.Errorf("seedcity: PostgreSQL only, not %s", db.Dialect)
	}
	if len(pts) == 0 {
		return Result{}, errors.New("seedcity: no points")
	}
	opt = opt.withDefaults()
	rows, grids, err := buildRows(pts, keys, opt, time.Now().UTC())
	if err != nil {
		return Result{}, err
	}
	var exists bool
	if err := db.SQL.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM "+entleader.Table+")").Scan(&exists); err != nil {
		return Result{}, fmt.Errorf("seedcity: look at leaders: %w", err)
	}
	if exists {
		return Result{}, errors.New("seedcity: the leaders table is not empty; seed a fresh database")
	}
	tx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		return Result{}, fmt.Errorf("seedcity: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit
	if err := insertGrids(ctx, tx, grids, rows[0].at); err != nil {
		return Result{}, err
	}
	for lo := 0; lo < len(rows); lo += opt.Batch {
		if err := insertLeaders(ctx, tx, rows[lo:min(lo+opt.Batch, len(rows))]); err != nil {
			return Result{}, err
		}
	}
	// Ids were given explicitly: move the identity past them so the service's own inserts work.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', '%s'), (SELECT max(%s) FROM %s))",
		entleader.Table, entleader.FieldID, entleader.FieldID, entleader.Table)); err != nil {
		return Result{}, fmt.Errorf("seedcity: advance the leader id sequence: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Result{}, fmt.Errorf("seedcity: commit: %w", err)
	}
	if _, err := db.SQL.ExecContext(ctx, "ANALYZE "+entleader.Table+", "+entgrid.Table); err != nil {
		return Result{}, fmt.Errorf("seedcity: analyze: %w", err)
	}
	if err := verify(ctx, db, keys, rows[0], rows[len(rows)-1]); err != nil {
		return Result{}, err
	}
	return Result{Leaders: len(rows), Grids: len(grids), Elapsed: time.Since(start)}, nil
}

func (o Options) withDefaults() Options {
	if o.GridRes == 0 {
		o.GridRes = geo.DefaultGridRes
	}
	if o.PickupRes == 0 {
		o.PickupRes = geo.DefaultPickupRes
	}
	if o.Batch <= 0 {
		o.Batch = DefaultBatch
	}
	if o.Spacing <= 0 {
		o.Spacing = DefaultSpacing
	}
	return o
}

// row is one leader as written.
type row struct {
	id                   int64
	at                   time.Time
	realName, phone      string // plain, for the read-back check
	nameSealed, phSealed string
	keyID                string
	pointName, address   string
	lat, lng             float64
	pickupCell, gridCell string
	invite               string
}

const openingHours = "08:00-12:00,15:00-20:30"

// buildRows derives cells and seals personal data. Rows are stamped opt.Spacing apart in id
// order, the last one now, so (updated_at, id) order is id order, as for leaders approved one by
// one.
func buildRows(pts []geo.Point, keys *seal.Keyring, opt Options, now time.Time) ([]row, []string, error) {
	rows := make([]row, len(pts))
	seen := map[int64]bool{}
	gridSet := map[string]bool{}
	var grids []string
	last := now.Truncate(time.Microsecond) // PostgreSQL keeps microseconds
	spacing := opt.Spacing.Truncate(time.Microsecond)
	for i, p := range pts {
		if p.ID <= 0 || seen[p.ID] {
			return nil, nil, fmt.Errorf("seedcity: point %d: ids must be positive and distinct", p.ID)
		}
		seen[p.ID] = true
		pickup, err := geo.CellAt(p.LatLng, opt.PickupRes)
		if err != nil {
			return nil, nil, fmt.Errorf("seedcity: point %d: %w", p.ID, err)
		}
		grid, err := geo.CellAt(p.LatLng, opt.GridRes)
		if err != nil {
			return nil, nil, fmt.Errorf("seedcity: point %d: %w", p.ID, err)
		}
		r := row{
			id: p.ID, at: last.Add(-time.Duration(len(pts)-1-i) * spacing),
			realName: "团长" + strconv.FormatInt(p.ID, 10), phone: fmt.Sprintf("139%08d", p.ID%100_000_000),
			pointName: fmt.Sprintf("自提点%06d", p.ID), address: fmt.Sprintf("上海市样例区样例路%d号", p.ID),
			lat: p.Lat, lng: p.Lng, pickupCell: pickup.String(), gridCell: grid.String(),
			invite: inviteCode(p.ID),
		}
		// The same associated data as the leader repository: leader/<id>/<column>.
		if r.nameSealed, r.keyID, err = keys.Seal([]byte(r.realName), leaderstore.LeaderAAD(p.ID, "real_name")); err != nil {
			return nil, nil, fmt.Errorf("seedcity: seal real name %d: %w", p.ID, err)
		}
		if r.phSealed, _, err = keys.Seal([]byte(r.phone), leaderstore.LeaderAAD(p.ID, "phone")); err != nil {
			return nil, nil, fmt.Errorf("seedcity: seal phone %d: %w", p.ID, err)
		}
		rows[i] = r
		if !gridSet[r.gridCell] {
			gridSet[r.gridCell] = true
			grids = append(grids, r.gridCell)
		}
	}
	return rows, grids, nil
}

// inviteCode is a distinct 8-symbol code per id in the alphabet of real ones (Crockford base32).
func inviteCode(id int64) string {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	var b [8]byte
	v := uint64(id) * 0x9E3779B97F4A7C15 & (1<<40 - 1) // times an odd number: a bijection mod 2^40
	for i := range b {
		b[len(b)-1-i] = alphabet[v&31]
		v >>= 5
	}
	return string(b[:])
}

func insertGrids(ctx context.Context, tx *sql.Tx, cells []string, at time.Time) error {
	const cols = 5
	var q strings.Builder
	fmt.Fprintf(&q, "INSERT INTO %s (%s, %s, %s, %s, %s) VALUES ", entgrid.Table,
		entgrid.FieldID, entgrid.FieldCreatedAt, entgrid.FieldUpdatedAt, entgrid.FieldName, entgrid.FieldServing)
	args := make([]any, 0, len(cells)*cols)
	for i, c := range cells {
		if i > 0 {
			q.WriteByte(',')
		}
		placeholders(&q, i*cols, cols)
		args = append(args, c, at, at, "样例网格 "+c, true)
	}
	fmt.Fprintf(&q, " ON CONFLICT (%s) DO UPDATE SET %s = true", entgrid.FieldID, entgrid.FieldServing)
	if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
		return fmt.Errorf("seedcity: insert %d grids: %w", len(cells), err)
	}
	return nil
}

var leaderColumns = []string{
	entleader.FieldID, entleader.FieldCreatedAt, entleader.FieldUpdatedAt, entleader.FieldUserID,
	entleader.FieldStatus, entleader.FieldPaused, entleader.FieldRealNameSealed, entleader.FieldPhoneSealed,
	entleader.FieldPiiKeyID, entleader.FieldPointName, entleader.FieldAddress, entleader.FieldLat,
	entleader.FieldLng, entleader.FieldPickupCell, entleader.FieldGridCell, entleader.FieldOpeningHours,
	entleader.FieldInviteCode, entleader.FieldApprovedAt,
}

func insertLeaders(ctx context.Context, tx *sql.Tx, rows []row) error {
	cols := len(leaderColumns)
	var q strings.Builder
	q.Grow(len(rows) * cols * 8)
	fmt.Fprintf(&q, "INSERT INTO %s (%s) VALUES ", entleader.Table, strings.Join(leaderColumns, ", "))
	args := make([]any, 0, len(rows)*cols)
	for i, r := range rows {
		if i > 0 {
			q.WriteByte(',')
		}
		placeholders(&q, i*cols, cols)
		args = append(args, r.id, r.at, r.at, r.id, string(entleader.StatusApproved), false,
			r.nameSealed, r.phSealed, r.keyID, r.pointName, r.address, r.lat, r.lng,
			r.pickupCell, r.gridCell, openingHours, r.invite, r.at)
	}
	if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
		return fmt.Errorf("seedcity: insert leaders %d..%d: %w", rows[0].id, rows[len(rows)-1].id, err)
	}
	return nil
}

// placeholders writes ($from+1, …, $from+n).
func placeholders(q *strings.Builder, from, n int) {
	q.WriteByte('(')
	for j := range n {
		if j > 0 {
			q.WriteByte(',')
		}
		q.WriteByte('$')
		q.WriteString(strconv.Itoa(from + j + 1))
	}
	q.WriteByte(')')
}

// verify reads rows back through the leader repository, which opens the sealed fields: a
// seeding that sealed differently from the repository fails here, not in a benchmark.
func verify(ctx context.Context, db *sqldb.DB, keys *seal.Keyring, want ...row) error {
	repo := leaderstore.NewLeaderRepo(db, keys)
	for _, w := range want {
		l, err := repo.Get(ctx, w.id)
		if err != nil {
			return fmt.Errorf("seedcity: read back leader %d: %w", w.id, err)
		}
		if l.RealName != w.realName || l.Phone != w.phone || !l.Serving() || l.Point.Location.Lat != w.lat ||
			l.Point.Location.Lng != w.lng {
			return fmt.Errorf("seedcity: leader %d reads back as %q %q serving=%v at %v", w.id, l.RealName, l.Phone,
				l.Serving(), l.Point.Location)
		}
	}
	return nil
}
