package data_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/groupbuy/groupbuy/internal/biz/bizerr"
	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/biz/leader"
)

// Ops find a leader by a part of its pickup point's name, in any letter case; LIKE's wildcards
// in the search are plain characters, and the search combines with status and paging.
func TestLeadersAreFoundByPointName(t *testing.T) {
	s := newStack(t, openPostgres(t))
	uc := s.leaderUsecase(1)
	ids := map[string]int64{}
	for _, name := range []string{"幸福里 Market 自提点", "阳光花园自提点", "100%新鲜小铺"} {
		u, err := s.users.UpsertByOpenID(t.Context(), "o-"+name, "", []identity.Role{identity.RoleShopper}, s.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		l, err := uc.Apply(t.Context(), identity.Principal{Kind: identity.SubjectUser, ID: u.ID}, leader.Application{
			RealName: "测试团长", Phone: "13800000000", PointName: name, Address: "上海市黄浦区测试路1号",
			Location: peoplesSquare, OpeningHours: "08:00-20:00"})
		if err != nil {
			t.Fatal(err)
		}
		ids[name] = l.ID
	}
	s.approve(uc, ids["阳光花园自提点"])
	find := func(f leader.ListFilter) []int64 {
		t.Helper()
		ls, err := uc.List(t.Context(), f)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]int64, len(ls))
		for i, l := range ls {
			out[i] = l.ID
		}
		return out
	}
	for search, want := range map[string][]int64{
		"market":  {ids["幸福里 Market 自提点"]},
		" 花园 ":    {ids["阳光花园自提点"]},
		"自提点":     {ids["幸福里 Market 自提点"], ids["阳光花园自提点"]},
		"0%":      {ids["100%新鲜小铺"]},
		"幸福%":     nil,
		"_":       nil,
		"不存在的自提点": nil,
	} {
		if got := find(leader.ListFilter{PointName: search}); !slices.Equal(got, want) {
			t.Errorf("point name %q: %v, want %v", search, got, want)
		}
	}
	if got := find(leader.ListFilter{PointName: "自提点", Status: leader.StatusPending}); !slices.Equal(got, []int64{ids["幸福里 Market 自提点"]}) {
		t.Errorf("pending and 自提点: %v", got)
	}
	first := ids["幸福里 Market 自提点"]
	if got := find(leader.ListFilter{PointName: "自提点", AfterID: first}); !slices.Equal(got, []int64{ids["阳光花园自提点"]}) {
		t.Errorf("自提点 after #%d: %v", first, got)
	}
	var invalid *bizerr.InvalidError
	if _, err := uc.List(t.Context(), leader.ListFilter{PointName: strings.Repeat("点", 65)}); !errors.As(err, &invalid) || invalid.Field != "point_name" {
		t.Errorf("a 65-character search: %v, want invalid point_name", err)
	}
}
