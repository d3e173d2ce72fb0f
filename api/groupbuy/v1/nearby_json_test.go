package v1

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// The hand-written encoder says what protojson says: on many random replies (odd strings,
// extreme numbers, nil locations, empty pages) both parse back to the same message and to the
// same JSON value.
func TestNearbyJSONMatchesProtojson(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	strs := []string{"", "幸福小区3号门", `quote " and \ backslash`, "tab\tnew\nline\r\x01\x1f", "<b>&amp;</b>",
		"emoji 🍑 and \u2028", "\xff invalid utf8"}
	floats := []float64{0, 1, -1, 31.2304, 121.4737, 1234.5678, 1e-7, 3e-6, 1e20, 1e21, 1e300, math.NaN(),
		math.Inf(1), math.Copysign(0, -1), 2999.999999999}
	for i := range 2000 {
		reply := &NearbyPickupPointsReply{NextPageToken: strs[rng.IntN(3)]}
		for range rng.IntN(12) {
			p := &PickupPoint{
				LeaderId: rng.Int64N(1 << 62), Name: strs[rng.IntN(len(strs))], Address: strs[rng.IntN(len(strs))],
				OpeningHours: strs[rng.IntN(len(strs))], DistanceM: pick(rng, floats),
			}
			if rng.IntN(5) > 0 {
				p.Location = &Location{Lat: pick(rng, floats), Lng: pick(rng, floats)}
			}
			reply.Points = append(reply.Points, p)
		}
		fast, errFast := reply.MarshalJSON()
		slow, errSlow := protojson.MarshalOptions{EmitUnpopulated: true}.Marshal(reply)
		if (errFast != nil) != (errSlow != nil) {
			t.Fatalf("case %d: errors differ: %v vs %v", i, errFast, errSlow)
		}
		if errSlow != nil {
			continue
		}
		var a, b NearbyPickupPointsReply
		if err := protojson.Unmarshal(fast, &a); err != nil {
			t.Fatalf("case %d: fast output does not parse: %v\n%s", i, err, fast)
		}
		_ = protojson.Unmarshal(slow, &b)
		if !proto.Equal(&a, &b) {
			t.Fatalf("case %d: messages differ\nfast %s\nslow %s", i, fast, slow)
		}
		var va, vb any
		if json.Unmarshal(fast, &va) != nil || json.Unmarshal(slow, &vb) != nil || !jsonEqual(va, vb) {
			t.Fatalf("case %d: JSON values differ\nfast %s\nslow %s", i, fast, slow)
		}
	}
}

func pick(rng *rand.Rand, fs []float64) float64 { return fs[rng.IntN(len(fs))] }

func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}
