package metrics

import (
	"fmt"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
)

// Level is what a row of daily counts is about.
type Level string

const (
	City   Level = "city"   // every shopper, order and event of the day
	Grid   Level = "grid"   // one grid cell
	Leader Level = "leader" // one leader (events naming no leader count under leader 0)
	Batch  Level = "batch"  // one presale batch
	Cell   Level = "cell"   // one grid, leader and batch together
)

// Key names the rows of one level: the level's own fields set, the others "" and 0.
type Key struct {
	Level    Level
	GridCell string
	LeaderID int64
	BatchID  int64
}

// CityKey is the whole city's key.
func CityKey() Key { return Key{Level: City} }

// GridKey is one grid's key.
func GridKey(cell string) Key { return Key{Level: Grid, GridCell: cell} }

// LeaderKey is one leader's key.
func LeaderKey(id int64) Key { return Key{Level: Leader, LeaderID: id} }

// BatchKey is one batch's key.
func BatchKey(id int64) Key { return Key{Level: Batch, BatchID: id} }

// Validate reports a key whose fields do not match its level.
func (k Key) Validate() error {
	want := Key{Level: k.Level}
	switch k.Level {
	case City:
	case Grid:
		want.GridCell = k.GridCell
		if k.GridCell == "" {
			return bizerr.Invalid("grid_cell", "a grid's figures need its cell")
		}
	case Leader:
		want.LeaderID = k.LeaderID
		if k.LeaderID <= 0 {
			return bizerr.Invalid("leader_id", "a leader's figures need its id")
		}
	case Batch:
		want.BatchID = k.BatchID
		if k.BatchID <= 0 {
			return bizerr.Invalid("batch_id", "a batch's figures need its id")
		}
	case Cell:
		return nil
	default:
		return bizerr.Invalid("level", fmt.Sprintf("unknown level %q (city, grid, leader, batch, cell)", k.Level))
	}
	if k != want {
		return bizerr.Invalid("level", fmt.Sprintf("a %s's figures take only its own key", k.Level))
	}
	return nil
}

// Day is one key's counts of one Beijing day (YYYY-MM-DD).
type Day struct {
	Day string
	Counts
}

// Total sums days into one period's counts.
func Total(days []Day) Counts {
	var t Counts
	for _, d := range days {
		t = t.Add(d.Counts)
	}
	return t
}
