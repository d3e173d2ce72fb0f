package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// Ops build the catalog; copy with forbidden wording and bad prices are refused with their
// reasons and leave nothing behind.
func TestCatalog(t *testing.T) {
	s := start(t)
	ops := s.ops()
	peach := map[string]any{"title": "阳山水蜜桃", "description": "无锡阳山，当季现摘", "category": "水果",
		"images": []string{"https://img.example.com/peach.jpg"}}
	created := s.call("POST", "/v1/ops/products", ops, peach)
	expect(t, created, 200, "")
	id := fmt.Sprint(created.body["id"])

	bad := s.call("POST", "/v1/ops/products", ops, map[string]any{"title": "全网最便宜的草莓", "category": "水果"})
	expect(t, bad, 400, "COPY_NOT_ALLOWED")
	if meta, _ := bad.body["metadata"].(map[string]any); meta["field"] != "title" || !strings.Contains(fmt.Sprint(meta["words"]), "最便宜") {
		t.Fatalf("the refusal does not name the words: %s", bad.raw)
	}
	expect(t, s.call("POST", "/v1/ops/products", ops, map[string]any{"title": "草莓", "category": "水果",
		"description": "吃了能降血压"}), 400, "COPY_NOT_ALLOWED")
	expect(t, s.call("POST", "/v1/ops/products", ops, map[string]any{"title": "草莓", "category": "水果",
		"images": []string{"http://insecure.example.com/a.jpg"}}), 400, "INVALID_ARGUMENT")
	if n := s.count("products"); n != 1 {
		t.Fatalf("refused products left rows: %d", n)
	}

	sku := s.call("POST", "/v1/ops/products/"+id+"/skus", ops, map[string]any{"spec": "5斤装", "unit": "箱", "listPriceFen": 5990})
	expect(t, sku, 200, "")
	expect(t, s.call("POST", "/v1/ops/products/"+id+"/skus", ops, map[string]any{"spec": "5斤装", "unit": "箱", "listPriceFen": 6990}), 409, "CONFLICT")
	expect(t, s.call("POST", "/v1/ops/products/"+id+"/skus", ops, map[string]any{"spec": "10斤装", "unit": "箱", "listPriceFen": 0}), 400, "INVALID_ARGUMENT")
	expect(t, s.call("POST", "/v1/ops/products/"+id+"/skus", ops, map[string]any{"spec": "10斤装", "unit": "箱", "listPriceFen": "1e20"}), 400, "MALFORMED_REQUEST")
	expect(t, s.call("POST", "/v1/ops/products/999999/skus", ops, map[string]any{"spec": "1斤", "unit": "斤", "listPriceFen": 100}), 404, "NOT_FOUND")
	skuID := fmt.Sprint(sku.body["id"])
	updated := s.call("PUT", "/v1/ops/skus/"+skuID, ops, map[string]any{"spec": "5斤装", "unit": "箱", "listPriceFen": 5490})
	expect(t, updated, 200, "")
	if updated.str("listPriceFen") != "5490" {
		t.Fatalf("updated sku: %s", updated.raw)
	}

	archived := s.call("POST", "/v1/ops/products/"+id+"/status", ops, map[string]string{"status": "archived"})
	expect(t, archived, 200, "")
	list := s.call("GET", "/v1/ops/products?status=archived", ops, nil)
	expect(t, list, 200, "")
	products, _ := list.body["products"].([]any)
	if len(products) != 1 || len(products[0].(map[string]any)["skus"].([]any)) != 1 {
		t.Fatalf("archived products: %s", list.raw)
	}
	expect(t, s.call("GET", "/v1/ops/products/"+id, s.login("o-e2e-catalog").str("accessToken"), nil), 403, "FORBIDDEN")
}
