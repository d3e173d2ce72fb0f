package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-kratos/kratos/v2/log"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/bjtime"
	"github.com/groupbuy/groupbuy/internal/biz/catalog"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
	"github.com/groupbuy/groupbuy/internal/biz/presale"
	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/geo"
)

// demoAccounts are the console accounts `make run` creates. Demo only: demo.seed is off in any
// real configuration.
var demoAccounts = []struct {
	username string
	role     identity.Role
	password string
}{
	{"ops", identity.RoleOps, "ops-demo-password"},
	{"finance", identity.RoleFinance, "finance-demo-password"},
	{"admin", identity.RoleAdmin, "admin-demo-password"},
}

// demoCentre is People's Square, Shanghai (GCJ-02): the demo grid and its leaders are around it.
var demoCentre = geo.LatLng{Lat: 31.2304, Lng: 121.4737}

// demoLeaders are approved leaders with pickup points near demoCentre (offsets in degrees).
var demoLeaders = []struct {
	openid, name, point string
	dLat, dLng          float64
}{
	{"demo-leader-1", "李团长", "人民广场东门自提点", 0.0010, 0.0012},
	{"demo-leader-2", "张团长", "南京东路便利店", 0.0035, 0.0040},
	{"demo-leader-3", "陈团长", "福州路小区门卫室", -0.0020, 0.0030},
}

// seedDemo creates the demo console accounts, a served grid and its leaders, unless they exist.
func seedDemo(bc *conf.Bootstrap, logger log.Logger) error {
	t, cleanup, err := wireTools(bc, logger)
	if err != nil {
		return fmt.Errorf("build demo tools: %w", err)
	}
	defer cleanup()
	ctx := context.Background()
	for _, a := range demoAccounts {
		_, err := t.Accounts.CreateAccount(ctx, a.username, a.role, a.password)
		if err != nil && !errors.Is(err, bizerr.ErrConflict) {
			return fmt.Errorf("seed demo account %s: %w", a.username, err)
		}
	}
	if err := seedDemoLeaders(ctx, t); err != nil {
		return err
	}
	return seedDemoBatch(ctx, t, demoBatchWindow(bc.GetDemo()))
}

// demoBatchWindow is how long the demo batch takes orders (demo.batch_window).
func demoBatchWindow(d *conf.Demo) time.Duration { return d.GetBatchWindow().AsDuration() }

// seedDemoBatch publishes one batch to the demo grid, open from now for window (its pickup the
// day after it closes), unless a batch exists already.
func seedDemoBatch(ctx context.Context, t *tools, window time.Duration) error {
	existing, err := t.Batches.List(ctx, presale.ListFilter{Limit: 1})
	if err != nil || len(existing) > 0 {
		return err
	}
	cell, err := geo.CellAt(demoCentre, geo.DefaultGridRes)
	if err != nil {
		return err
	}
	p, err := t.Catalog.CreateProduct(ctx, catalog.ProductInput{Title: "阳山水蜜桃", Category: "水果",
		Description: "无锡阳山，当季现摘，次日到自提点", Images: []string{"https://img.example.com/peach.jpg"}})
	if err != nil {
		return fmt.Errorf("seed demo product: %w", err)
	}
	sku, err := t.Catalog.AddSKU(ctx, p.ID, catalog.SKUInput{Spec: "6只装", Unit: "盒", ListPrice: 5990})
	if err != nil {
		return fmt.Errorf("seed demo sku: %w", err)
	}
	now := time.Now().UTC()
	b, err := t.Batches.Create(ctx, identity.Principal{Kind: identity.SubjectSystem}, presale.Input{
		Title: "周末水果团", OpensAt: now, CutoffAt: now.Add(window),
		PickupDate: now.Add(window + 24*time.Hour).In(bjtime.Zone).Format(time.DateOnly),
		Items: []presale.ItemInput{{SKUID: sku.ID, Price: 3990, Quota: 200, Limit: 5, CommissionBP: 1000,
			// A new SKU has no sales behind its list price: say what it is (划线价 rule).
			ReferenceBasis: "厂商建议零售价"}},
		Grids: []geo.Cell{cell}})
	if err != nil {
		return fmt.Errorf("seed demo batch: %w", err)
	}
	if _, err := t.Batches.Schedule(ctx, b.ID); err != nil {
		return fmt.Errorf("schedule demo batch: %w", err)
	}
	return nil
}

func seedDemoLeaders(ctx context.Context, t *tools) error {
	cell, err := geo.CellAt(demoCentre, geo.DefaultGridRes)
	if err != nil {
		return err
	}
	if _, err := t.Leaders.SaveGrid(ctx, cell.String(), leader.GridEdit{Name: "人民广场", Serving: true,
		RouteLabel: "黄浦1线", StationLabel: "黄浦中心仓"}); err != nil {
		return fmt.Errorf("seed demo grid: %w", err)
	}
	ops := identity.Principal{Kind: identity.SubjectSystem, Roles: []identity.Role{identity.RoleOps}}
	for _, d := range demoLeaders {
		u, err := t.Users.UpsertByOpenID(ctx, d.openid, "", []identity.Role{identity.RoleShopper}, time.Now().UTC())
		if err != nil {
			return fmt.Errorf("seed demo user %s: %w", d.openid, err)
		}
		me := identity.Principal{Kind: identity.SubjectUser, ID: u.ID, Roles: u.Roles}
		loc := geo.LatLng{Lat: demoCentre.Lat + d.dLat, Lng: demoCentre.Lng + d.dLng}
		l, err := t.Leaders.Apply(ctx, me, leader.Application{RealName: d.name, Phone: "13800138000",
			PointName: d.point, Address: "上海市黄浦区 " + d.point, Location: loc, OpeningHours: "08:00-21:00"})
		if errors.Is(err, bizerr.ErrConflict) {
			continue // seeded on an earlier run
		}
		if err != nil {
			return fmt.Errorf("seed demo leader %s: %w", d.openid, err)
		}
		if _, err := t.Leaders.Approve(ctx, ops, l.ID); err != nil {
			return fmt.Errorf("approve demo leader %s: %w", d.openid, err)
		}
	}
	return nil
}
