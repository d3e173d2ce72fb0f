package settlementstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/settlement"
)

// dayLevels is the fen settled per Beijing day and level.
type dayLevels map[string]map[int]int64

func (d dayLevels) add(day string, level int, amount int64) {
	if d[day] == nil {
		d[day] = map[int]int64{}
	}
	d[day][level] += amount
}

// SettledByDay implements settlement.Store: the closed days come from settlement_days, those
// missing there are summed once and saved; the open days are summed live, a range of the index
// on the successes' finish time.
func (s *SettlementStore) SettledByDay(ctx context.Context, from, to, closedBefore time.Time) ([]settlement.DayLevel, error) {
	cut := closedBefore
	if cut.Before(from) {
		cut = from
	}
	if cut.After(to) {
		cut = to
	}
	got, err := s.closedDays(ctx, from, cut)
	if err != nil {
		return nil, err
	}
	if cut.Before(to) {
		if err := s.sumShares(ctx, cut, to, got); err != nil {
			return nil, err
		}
	}
	return flatten(got), nil
}

// closedDays reads the saved days of [from, to), which are all closed, and sums and saves the
// ones missing.
func (s *SettlementStore) closedDays(ctx context.Context, from, to time.Time) (dayLevels, error) {
	got := dayLevels{}
	if !from.Before(to) {
		return got, nil
	}
	saved := map[string]bool{}
	err := s.data.Query(ctx, `SELECT day, amounts FROM settlement_days WHERE day >= $1 AND day < $2`,
		[]any{bjtime.Day(from), bjtime.Day(to)}, func(r *sql.Rows) error {
			var day string
			var raw []byte
			if err := r.Scan(&day, &raw); err != nil {
				return err
			}
			var amounts map[int]int64
			if err := json.Unmarshal(raw, &amounts); err != nil {
				return fmt.Errorf("day %s: %w", day, err)
			}
			saved[day] = true
			for level, a := range amounts {
				got.add(day, level, a)
			}
			return nil
		})
	if err != nil {
		return nil, wrap(err, "settled days")
	}
	var missing []string
	var first, last time.Time
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		if day := bjtime.Day(d); !saved[day] {
			if missing == nil {
				first = d
			}
			missing, last = append(missing, day), d
		}
	}
	if missing == nil {
		return got, nil
	}
	summed := dayLevels{}
	if err := s.sumShares(ctx, first, last.AddDate(0, 0, 1), summed); err != nil {
		return nil, err
	}
	if err := s.saveDays(ctx, missing, summed); err != nil {
		return nil, err
	}
	for _, day := range missing {
		for level, a := range summed[day] {
			got.add(day, level, a)
		}
	}
	return got, nil
}

// saveDays writes the closed days' totals; a day another reader saved first stays as it is
// (the same sums).
func (s *SettlementStore) saveDays(ctx context.Context, days []string, sums dayLevels) error {
	const perRow = 3
	now := time.Now().UTC()
	values := make([]string, 0, len(days))
	args := make([]any, 0, perRow*len(days))
	for i, day := range days {
		amounts, err := json.Marshal(sums[day])
		if err != nil {
			return fmt.Errorf("day %s: %w", day, err)
		}
		if sums[day] == nil {
			amounts = []byte("{}")
		}
		n := perRow * i
		values = append(values, fmt.Sprintf("($%d, $%d, $%d)", n+1, n+2, n+3))
		args = append(args, day, string(amounts), now)
	}
	_, err := s.data.Exec(ctx, `INSERT INTO settlement_days (day, amounts, created_at) VALUES `+
		strings.Join(values, ", ")+` ON CONFLICT (day) DO NOTHING`, args...)
	return wrap(err, "save settled days")
}

// sumShares adds the successful shares that finished in [from, to) to into, per Beijing day
// and level.
func (s *SettlementStore) sumShares(ctx context.Context, from, to time.Time, into dayLevels) error {
	err := s.data.Query(ctx, `SELECT to_char(finished_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') AS day, level, SUM(amount)
FROM settlement_shares WHERE result = 'success' AND finished_at >= $1 AND finished_at < $2
GROUP BY day, level`, []any{from.UTC(), to.UTC()}, func(r *sql.Rows) error {
		var d settlement.DayLevel
		if err := r.Scan(&d.Day, &d.Level, &d.Amount); err != nil {
			return err
		}
		into.add(d.Day, d.Level, d.Amount)
		return nil
	})
	return wrap(err, "settled by day")
}

// flatten lists the sums in day then level order, leaving out the days and levels without
// shares.
func flatten(d dayLevels) []settlement.DayLevel {
	var out []settlement.DayLevel
	for day, levels := range d {
		for level, a := range levels {
			out = append(out, settlement.DayLevel{Day: day, Level: level, Amount: a})
		}
	}
	slices.SortFunc(out, func(a, b settlement.DayLevel) int {
		if c := strings.Compare(a.Day, b.Day); c != 0 {
			return c
		}
		return a.Level - b.Level
	})
	return out
}
