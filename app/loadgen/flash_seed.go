package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	entbinding "github.com/groupbuy/groupbuy/ent/leaderbinding"
	entuser "github.com/groupbuy/groupbuy/ent/user"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/data/seedcity"
	"github.com/groupbuy/groupbuy/internal/data/sqldb"
	"github.com/groupbuy/groupbuy/internal/geo"
)

// flashSeedCmd prepares a flash presale on a fresh, migrated database with the server running:
// in the database directly, one approved leader (seedcity's first point, user 1) serving its
// grid, and shoppers as users 2..n+1 bound to it; through the ops API (a minted ops token), a
// product with one SKU and two batches of that SKU for the leader's grid — the throughput sale
// (-quota) and the sell-out sale (-sellout-quota) — scheduled, so the server's own code builds
// them and loads their counters. It waits until both are open and prints shell assignments.
func flashSeedCmd(args []string) error {
	fs, a := apiFlagSet("flash-seed")
	confPath := confFlag(fs)
	shoppers := fs.Int("shoppers", 1000, "shoppers to seed (users 2..n+1), each bound to the one leader")
	quota := fs.Int64("quota", 1_000_000, "units of the throughput sale (the API allows at most 1,000,000)")
	sellout := fs.Int64("sellout-quota", 500, "units of the sell-out sale")
	price := fs.Int64("price", 3990, "presale price in fen")
	seed := fs.Int64("seed", seedcity.DefaultSeed, "seed of the synthetic city (the leader is its first point)")
	opensIn := fs.Duration("opens-in", 2*time.Second, "the batches open this long after they are created")
	limit := fs.Duration("wait", time.Minute, "give up waiting for the batches to open after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *shoppers < 1 || *shoppers > 100_000 {
		return fmt.Errorf("-shoppers %d: want 1 to 100,000", *shoppers)
	}
	base, err := a.base()
	if err != nil {
		return err
	}
	ops, err := a.mint(identity.SubjectConsole, 1, identity.RoleOps)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	// 1. Rows, directly.
	t, err := openSeedTarget(*confPath)
	if err != nil {
		return err
	}
	defer t.close()
	bc, db := t.bc, t.db
	pts := seedcity.Points(1, *seed)
	if _, err := seedcity.Seed(ctx, db, t.keys, pts, seedcity.Options{
		GridRes: int(bc.GetGeo().GetGridRes()), PickupRes: int(bc.GetGeo().GetPickupRes()),
	}); err != nil {
		return err
	}
	leaderID := pts[0].ID // seedcity: leader id = user id = point id
	cell, err := geo.CellAt(pts[0].LatLng, int(bc.GetGeo().GetGridRes()))
	if err != nil {
		return err
	}
	if err := seedShoppers(ctx, db, leaderID, *shoppers); err != nil {
		return err
	}
	fmt.Printf("seeded leader %d in grid %s and %d shoppers (users 2..%d) bound to it\n", leaderID, cell, *shoppers, *shoppers+1)

	// 2. The sale, through the API.
	var dials atomic.Int64
	c := &opsClient{http: newClient(4, a.timeout, &dials), base: base, token: ops}
	if err := poll(ctx, "/readyz", func() error { _, err := c.do(ctx, http.MethodGet, "/readyz", nil); return err }); err != nil {
		return err
	}
	p, err := c.do(ctx, http.MethodPost, "/v1/ops/products", map[string]any{"title": "阳山水蜜桃 秒杀", "description": "产地直发",
		"category": "水果", "images": []string{"https://img.example.com/p.jpg"}})
	if err != nil {
		return err
	}
	sku, err := c.do(ctx, http.MethodPost, "/v1/ops/products/"+str(p["id"])+"/skus", map[string]any{"spec": "5斤装", "unit": "箱", "listPriceFen": *price + 2000})
	if err != nil {
		return err
	}
	type sale struct{ batch, item string }
	var sales []sale
	for i, q := range []int64{*quota, *sellout} {
		opens := time.Now().Add(*opensIn)
		cutoff := opens.Add(2 * time.Hour)
		b, err := c.do(ctx, http.MethodPost, "/v1/ops/batches", map[string]any{
			"title": []string{"水蜜桃秒杀 吞吐", "水蜜桃秒杀 售罄"}[i], "opensAt": opens.UTC().Format(time.RFC3339Nano),
			"cutoffAt":   cutoff.UTC().Format(time.RFC3339Nano),
			"pickupDate": cutoff.Add(48 * time.Hour).In(bjtime.Zone).Format(time.DateOnly),
			"items": []map[string]any{{"skuId": str(sku["id"]), "priceFen": *price, "quota": q, "perShopperLimit": 0,
				"commissionBp": 1000, "referenceBasis": "厂商建议零售价"}}, // a new SKU: no sales behind its list price
			"gridCells": []string{cell.String()},
		})
		if err != nil {
			return err
		}
		items, _ := b["items"].([]any)
		if len(items) != 1 {
			return fmt.Errorf("created batch has %d items", len(items))
		}
		s := sale{batch: str(b["id"]), item: str(items[0].(map[string]any)["id"])}
		if _, err := c.do(ctx, http.MethodPost, "/v1/ops/batches/"+s.batch+"/schedule", map[string]any{}); err != nil {
			return err
		}
		sales = append(sales, s)
	}
	wctx, wcancel := context.WithTimeout(ctx, *limit)
	defer wcancel()
	for _, s := range sales {
		if err := poll(wctx, "batch "+s.batch+" open", func() error {
			b, err := c.do(wctx, http.MethodGet, "/v1/ops/batches/"+s.batch, nil)
			if err != nil {
				return err
			}
			if st := str(b["status"]); st != "open" {
				return fmt.Errorf("batch %s is %s", s.batch, st)
			}
			return nil
		}); err != nil {
			return err
		}
	}
	fmt.Printf("FLASH_BATCH=%s FLASH_ITEM=%s SELLOUT_BATCH=%s SELLOUT_ITEM=%s FLASH_PRICE=%d FLASH_QUOTA=%d SELLOUT_QUOTA=%d\n",
		sales[0].batch, sales[0].item, sales[1].batch, sales[1].item, *price, *quota, *sellout)
	return nil
}

// seedShoppers writes users 1..n+1 (1 is the leader's own user) and binds 2..n+1 to the leader.
func seedShoppers(ctx context.Context, db *sqldb.DB, leaderID int64, n int) error {
	tx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	now := time.Now().UTC()
	const users = `INSERT INTO ` + entuser.Table + ` (` + entuser.FieldID + `, ` + entuser.FieldCreatedAt + `, ` +
		entuser.FieldUpdatedAt + `, ` + entuser.FieldOpenid + `, ` + entuser.FieldRoles + `)
		SELECT g, $1, $1, 'o-bench-flash-' || lpad(g::text, 7, '0'),
			(CASE WHEN g = $2 THEN '["shopper","leader"]' ELSE '["shopper"]' END)::jsonb
		FROM generate_series(1, $3::bigint) g`
	if _, err := tx.ExecContext(ctx, users, now, leaderID, n+1); err != nil {
		return fmt.Errorf("insert users 1..%d: %w", n+1, err)
	}
	const bindings = `INSERT INTO ` + entbinding.Table + ` (` + entbinding.FieldUserID + `, ` + entbinding.FieldLeaderID + `, ` +
		entbinding.FieldBoundAt + `) SELECT g, $1, $2 FROM generate_series(2, $3::bigint) g`
	if _, err := tx.ExecContext(ctx, bindings, leaderID, now, n+1); err != nil {
		return fmt.Errorf("bind users 2..%d: %w", n+1, err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT max(id) FROM %s))",
		entuser.Table, entuser.Table)); err != nil {
		return fmt.Errorf("advance the user id sequence: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	_, err = db.SQL.ExecContext(ctx, "ANALYZE "+entuser.Table+", "+entbinding.Table)
	return err
}

// opsClient calls the JSON API with one token and decodes 200 replies.
type opsClient struct {
	http  *http.Client
	base  *url.URL
	token string
}

func (c *opsClient) do(ctx context.Context, method, path string, body any) (map[string]any, error) {
	var j []byte
	if body != nil {
		var err error
		if j, err = json.Marshal(body); err != nil {
			return nil, err
		}
	}
	code, raw, err := call(ctx, c.http, method, c.base.String()+path, c.token, j, 4<<20)
	if err != nil {
		return nil, err
	}
	if code != http.StatusOK {
		return nil, fmt.Errorf("%s %s: %s: %s", method, path, status(code), strings.TrimSpace(string(raw)))
	}
	out := map[string]any{}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil && path != "/readyz" {
			return nil, fmt.Errorf("%s %s: decode: %w", method, path, err)
		}
	}
	return out, nil
}

// str is a protojson id (int64 as a string) or any scalar as text.
func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatInt(int64(x), 10)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}
