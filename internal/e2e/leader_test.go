package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/groupbuy/groupbuy/internal/biz/identity"
	"github.com/groupbuy/groupbuy/internal/geo"
)

// Around People's Square, Shanghai (GCJ-02).
var square = geo.LatLng{Lat: 31.2304, Lng: 121.4737}

// offset moves p by metres north and east (small distances only).
func offset(p geo.LatLng, north, east float64) geo.LatLng {
	const mPerDegLat = 111_320.0
	return geo.LatLng{Lat: p.Lat + north/mPerDegLat, Lng: p.Lng + east/(mPerDegLat*0.855)}
}

// ops is a console token for ops, minted for brevity: console login itself is tested elsewhere.
func (s *stack) ops() string {
	return s.token(identity.SubjectConsole, 1, time.Hour, identity.RoleOps)
}

// serveGrid names the grid of p and makes it served.
func (s *stack) serveGrid(p geo.LatLng, name string) string {
	s.t.Helper()
	cell, err := geo.CellAt(p, geo.DefaultGridRes)
	if err != nil {
		s.t.Fatal(err)
	}
	r := s.call("PUT", "/v1/ops/grids/"+cell.String(), s.ops(), map[string]any{"name": name, "serving": true, "routeLabel": "R1"})
	expect(s.t, r, 200, "")
	return cell.String()
}

// application is a valid leader application at p.
func application(p geo.LatLng, invite string) map[string]any {
	return map[string]any{
		"realName": "王小明", "phone": "13912345678", "pointName": "幸福小区3号门",
		"address": "上海市黄浦区人民大道100号", "location": map[string]float64{"lat": p.Lat, "lng": p.Lng},
		"openingHours": "08:00-12:00,15:00-20:30", "inviteCode": invite,
	}
}

// becomeLeader signs a new user in, applies at p and has ops approve; it returns the user's
// refreshed tokens (now with the leader role) and the leader profile.
func (s *stack) becomeLeader(openid string, p geo.LatLng, invite string) (access string, profile reply) {
	s.t.Helper()
	login := s.login(openid)
	applied := s.call("POST", "/v1/leader-applications", login.str("accessToken"), application(p, invite))
	expect(s.t, applied, 200, "")
	id := fmt.Sprint(applied.body["id"])
	expect(s.t, s.call("POST", "/v1/ops/leaders/"+id+"/approve", s.ops(), "{}"), 200, "")
	refreshed := s.call("POST", "/v1/auth/refresh", "", map[string]string{"refreshToken": login.str("refreshToken")})
	expect(s.t, refreshed, 200, "")
	access = refreshed.str("accessToken")
	profile = s.call("GET", "/v1/leader/profile", access, nil)
	expect(s.t, profile, 200, "")
	return access, profile
}

// nearbyIDs polls nearby until cond holds or the index's refresh bound (plus slack) passes.
func (s *stack) nearbyIDs(token string, p geo.LatLng, cond func([]string) bool) []string {
	s.t.Helper()
	deadline := time.Now().Add(3 * time.Second) // index_refresh is 1s
	for {
		r := s.call("GET", fmt.Sprintf("/v1/pickup-points:nearby?lat=%f&lng=%f", p.Lat, p.Lng), token, nil)
		expect(s.t, r, 200, "")
		var ids []string
		points, _ := r.body["points"].([]any)
		for _, pt := range points {
			ids = append(ids, fmt.Sprint(pt.(map[string]any)["leaderId"]))
		}
		if cond(ids) {
			return ids
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("nearby did not reach the expected state within 3s: %v", ids)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func contains(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// The life of leaders: apply, review, recruit, find, bind, suspend, move, pause.
func TestLeaderLifecycle(t *testing.T) {
	s := start(t)
	s.serveGrid(square, "人民广场")

	outside := geo.LatLng{Lat: 39.9042, Lng: 116.4074} // Beijing: no grid served there
	shopper := s.login("o-e2e-applicant").str("accessToken")
	expect(t, s.call("POST", "/v1/leader-applications", shopper, application(outside, "")), 400, "AREA_NOT_SERVED")
	expect(t, s.call("POST", "/v1/leader-applications", shopper, application(square, "NOSUCH00")), 400, "INVITE_CODE_INVALID")
	bad := application(square, "")
	bad["location"] = map[string]any{"lat": "NaN", "lng": 121.47}
	expect(t, s.call("POST", "/v1/leader-applications", shopper, bad), 400, "INVALID_ARGUMENT")
	if n := s.count("leaders"); n != 0 {
		t.Fatalf("refused applications left %d leaders", n)
	}

	aToken, a := s.becomeLeader("o-e2e-leader-a", offset(square, 200, 0), "")
	aID := fmt.Sprint(a.body["id"])
	if a.str("status") != "approved" || a.str("phoneMasked") != "139****5678" || len(a.str("inviteCode")) != 8 {
		t.Fatalf("leader A: %s", a.raw)
	}
	expect(t, s.call("POST", "/v1/ops/leaders/"+aID+"/approve", s.ops(), "{}"), 409, "LEADER_STATE_CONFLICT")

	_, b := s.becomeLeader("o-e2e-leader-b", offset(square, -500, 300), a.str("inviteCode"))
	bID := fmt.Sprint(b.body["id"])
	if up, _ := b.body["upline"].([]any); len(up) != 1 || fmt.Sprint(up[0]) != aID {
		t.Fatalf("leader B's upline = %v, want [%s]", b.body["upline"], aID)
	}
	if n := s.count("receiver_registrations"); n != 2 {
		t.Fatalf("%d receiver registrations queued, want 2", n)
	}
	var sealed string
	_ = s.db.QueryRow(`SELECT phone_sealed FROM leaders WHERE id = $1`, aID).Scan(&sealed)
	if sealed == "" || contains([]string{sealed}, "13912345678") {
		t.Fatalf("leader phone not sealed: %q", sealed)
	}

	// A shopper nearby finds both, nearest first, and binds A.
	c := s.login("o-e2e-shopper-c").str("accessToken")
	ids := s.nearbyIDs(c, square, func(ids []string) bool { return len(ids) == 2 })
	if ids[0] != aID || ids[1] != bID {
		t.Fatalf("nearby order %v, want [%s %s]", ids, aID, bID)
	}
	expect(t, s.call("POST", "/v1/me/leader", c, map[string]any{"leaderId": aID}), 200, "")
	expect(t, s.call("POST", "/v1/me/leader", c, map[string]any{"leaderId": aID}), 200, "")
	// Before its first order a shopper's choice is provisional: it changes freely.
	expect(t, s.call("POST", "/v1/me/leader", c, map[string]any{"leaderId": bID}), 200, "")
	expect(t, s.call("POST", "/v1/me/leader", c, map[string]any{"leaderId": aID}), 200, "")

	// Suspending A tells C to choose again and drops A from nearby.
	expect(t, s.call("POST", "/v1/ops/leaders/"+aID+"/suspend", s.ops(), map[string]string{"reason": "x"}), 400, "INVALID_ARGUMENT")
	expect(t, s.call("POST", "/v1/ops/leaders/"+aID+"/suspend", s.ops(), map[string]string{"reason": "投诉较多"}), 200, "")
	if mine := s.call("GET", "/v1/me/leader", c, nil); mine.body["needsRebind"] != true {
		t.Fatalf("my leader after suspension: %s", mine.raw)
	}
	s.nearbyIDs(c, square, func(ids []string) bool { return len(ids) == 1 && ids[0] == bID })
	expect(t, s.call("POST", "/v1/me/leader", c, map[string]any{"leaderId": aID}), 409, "LEADER_NOT_SERVING")
	expect(t, s.call("POST", "/v1/me/leader", c, map[string]any{"leaderId": bID}), 200, "")
	expect(t, s.call("POST", "/v1/ops/leaders/"+aID+"/reinstate", s.ops(), "{}"), 200, "")

	// A moves within its grid at once; a move into another grid waits for ops.
	move := map[string]any{"name": "幸福小区5号门", "address": "上海市黄浦区人民大道120号",
		"location": map[string]float64{"lat": square.Lat + 0.001, "lng": square.Lng}, "openingHours": "09:00-21:00"}
	moved := s.call("PUT", "/v1/leader/pickup-point", aToken, move)
	expect(t, moved, 200, "")
	if moved.body["pendingMove"] != nil {
		t.Fatalf("a move within the grid waits for review: %s", moved.raw)
	}
	far := offset(square, 9000, 9000)
	farCell := s.serveGrid(far, "远处")
	move["location"] = map[string]float64{"lat": far.Lat, "lng": far.Lng}
	pending := s.call("PUT", "/v1/leader/pickup-point", aToken, move)
	expect(t, pending, 200, "")
	if pending.body["pendingMove"] == nil || pending.str("gridCell") == farCell {
		t.Fatalf("a move into another grid applied without review: %s", pending.raw)
	}
	approved := s.call("POST", "/v1/ops/leaders/"+aID+"/move/approve", s.ops(), "{}")
	expect(t, approved, 200, "")
	if approved.str("gridCell") != farCell {
		t.Fatalf("approved move: grid %s, want %s", approved.str("gridCell"), farCell)
	}
	expect(t, s.call("POST", "/v1/ops/leaders/"+aID+"/move/approve", s.ops(), "{}"), 409, "NO_MOVE_PENDING")

	// Paused leaders are not found.
	expect(t, s.call("POST", "/v1/leader/pause", aToken, map[string]any{"paused": true, "reason": "春节"}), 200, "")
	s.nearbyIDs(c, far, func(ids []string) bool { return !contains(ids, aID) })

	// Every change is in the leader's history, with who made it.
	detail := s.call("GET", "/v1/ops/leaders/"+aID, s.ops(), nil)
	expect(t, detail, 200, "")
	events, _ := detail.body["events"].([]any)
	var actions []string
	for _, e := range events {
		actions = append(actions, e.(map[string]any)["action"].(string))
	}
	want := []string{"applied", "approved", "suspended", "reinstated", "point_updated", "move_requested", "move_approved", "paused"}
	if fmt.Sprint(actions) != fmt.Sprint(want) {
		t.Fatalf("events %v, want %v", actions, want)
	}

	grids := s.call("GET", "/v1/ops/grids", s.ops(), nil)
	expect(t, grids, 200, "")
	boundary := s.call("GET", "/v1/ops/grids/"+farCell+"/boundary", s.ops(), nil)
	if vs, _ := boundary.body["vertices"].([]any); len(vs) < 5 {
		t.Fatalf("boundary: %s", boundary.raw)
	}
	invite := s.call("GET", "/v1/leader/invite", aToken, nil)
	if invite.str("code") != a.str("inviteCode") || len(invite.str("scene")) > 32 {
		t.Fatalf("invite: %s", invite.raw)
	}
}

// Bad coordinates and radii are refused before anything is looked up.
func TestNearbyBadInput(t *testing.T) {
	s := start(t)
	c := s.login("o-e2e-nearby-bad").str("accessToken")
	for _, q := range []string{
		"lat=91&lng=121", "lat=31&lng=181", "lat=NaN&lng=121", "lat=31&lng=121&radius_m=3001",
		"lat=31&lng=121&page_size=51", "lat=31&lng=121&page_token=zz", "lat=31&lng=121&radius_m=-1",
	} {
		expect(t, s.call("GET", "/v1/pickup-points:nearby?"+q, c, nil), 400, "INVALID_ARGUMENT")
	}
}

// Two replicas share one database: a change made through one shows in the other's nearby index
// within the refresh bound.
func TestNearbyAcrossReplicas(t *testing.T) {
	s := start(t)
	other := s.replica()
	s.serveGrid(square, "人民广场")
	c := s.login("o-e2e-replica-shopper").str("accessToken")
	_, a := s.becomeLeader("o-e2e-replica-leader", square, "")
	aID := fmt.Sprint(a.body["id"])
	other.nearbyIDs(c, square, func(ids []string) bool { return contains(ids, aID) })
	expect(t, s.call("POST", "/v1/ops/leaders/"+aID+"/suspend", s.ops(), map[string]string{"reason": "暂停服务"}), 200, "")
	other.nearbyIDs(c, square, func(ids []string) bool { return !contains(ids, aID) })
}
