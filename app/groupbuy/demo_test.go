package main

import (
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/conf"
)

// The embedded default takes from the environment what `make run QUICK=1` and the README's
// variable table set; unset, the demo batch takes orders for two days.
func TestEmbeddedDefaultPlaceholders(t *testing.T) {
	bc, err := conf.Load("../../configs/groupbuy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if w := demoBatchWindow(bc.GetDemo()); w != 48*time.Hour {
		t.Errorf("demo batch window by default: %v", w)
	}
	if w := bc.GetCheckout().GetAfterSalesWindow().AsDuration(); w != 48*time.Hour {
		t.Errorf("after-sales window by default: %v", w)
	}

	t.Setenv("GROUPBUY_DEMO_BATCH_WINDOW", "180s")
	t.Setenv("GROUPBUY_CHECKOUT_AFTER_SALES_WINDOW", "60s")
	t.Setenv("GROUPBUY_STOCK_COUNTER", "database")
	t.Setenv("GROUPBUY_DEBUG_ADDR", "127.0.0.1:6060")
	bc, err = conf.Load("../../configs/groupbuy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if w := demoBatchWindow(bc.GetDemo()); w != 3*time.Minute {
		t.Errorf("GROUPBUY_DEMO_BATCH_WINDOW=180s: %v", w)
	}
	if w := bc.GetCheckout().GetAfterSalesWindow().AsDuration(); w != time.Minute {
		t.Errorf("GROUPBUY_CHECKOUT_AFTER_SALES_WINDOW=60s: %v", w)
	}
	if c := bc.GetCheckout().GetStockCounter(); c != "database" {
		t.Errorf("GROUPBUY_STOCK_COUNTER=database: %q", c)
	}
	if a := bc.GetServer().GetDebugAddr(); a != "127.0.0.1:6060" {
		t.Errorf("GROUPBUY_DEBUG_ADDR: %q", a)
	}
}

func TestAfterSalesWindowPlaceholderInPostgresConfig(t *testing.T) {
	t.Setenv("GROUPBUY_CHECKOUT_AFTER_SALES_WINDOW", "86400s")
	bc, err := conf.Load("../../configs/postgres.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if w := bc.GetCheckout().GetAfterSalesWindow().AsDuration(); w != 24*time.Hour {
		t.Errorf("GROUPBUY_CHECKOUT_AFTER_SALES_WINDOW=86400s: %v", w)
	}
}
