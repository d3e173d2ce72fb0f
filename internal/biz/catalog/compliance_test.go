package catalog

import (
	"errors"
	"fmt"
	"reflect"
	"testing"
)

func TestComplianceFindsForbiddenWording(t *testing.T) {
	c := NewCompliance(DefaultBannedWords)
	tests := []struct {
		text string
		want []string
	}{
		{"新鲜阳山水蜜桃 5斤装", nil},
		{"全网最便宜的草莓", []string{"最便宜"}},
		{"第 一 品牌，顶级口感", []string{"第一", "顶级"}},
		{"１００％ 有机", []string{"100%"}},
		{"吃了能降血压还能减肥", []string{"降血压", "减肥"}},
		{"国家级非遗工艺，最便宜也最好吃", []string{"国家级", "最便宜", "最"}},
	}
	for _, tt := range tests {
		err := c.Check("title", tt.text)
		var we *WordingError
		if tt.want == nil {
			if err != nil {
				t.Errorf("%q: %v, want nil", tt.text, err)
			}
			continue
		}
		if !errors.As(err, &we) || !errors.Is(err, ErrBannedWording) {
			t.Errorf("%q: %v, want a WordingError", tt.text, err)
			continue
		}
		if !sameSet(we.Words, tt.want) || we.Field != "title" {
			t.Errorf("%q: words %v in %s, want %v", tt.text, we.Words, we.Field, tt.want)
		}
	}
}

func TestComplianceUsesTheConfiguredList(t *testing.T) {
	c := NewCompliance([]string{"爆款", " "})
	if err := c.Check("title", "最新鲜"); err != nil {
		t.Fatalf("a word not on the configured list was refused: %v", err)
	}
	if err := c.Check("description", "今日爆款"); err == nil {
		t.Fatal("a configured word passed")
	}
}

func sameSet(a, b []string) bool {
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	return reflect.DeepEqual(m, func() map[string]int {
		z := map[string]int{}
		for k := range m {
			z[k] = 0
		}
		return z
	}())
}

func ExampleCompliance_Check() {
	c := NewCompliance(DefaultBannedWords)
	fmt.Println(c.Check("title", "全网最便宜的草莓，第一品牌"))
	// Output: title: product copy uses forbidden wording: 最便宜, 第一
}
