package geo

import "math"

// Chords are the search's cheap yardstick. The straight-line distance between two points on
// the unit sphere, chord = 2·sin(θ/2), grows strictly with the arc θ, is a metric of 3-D
// space (so the triangle inequality is exact, which the bucket skip needs), and costs a few
// multiplications from cached unit vectors where haversine costs three transcendental calls.
// The search only ever uses chords to reject, with a margin, and ranks by the exact
// haversine.
const (
	// chordMarginRel and chordMarginAbs widen every chord limit so that float rounding in the
	// cached vectors (~1e-16) can never reject a point the exact haversine would keep: 1e-6
	// relative is ten orders of magnitude more than the rounding, and 1e-12 (6 µm) covers
	// limits near zero.
	chordMarginRel = 1e-6
	chordMarginAbs = 1e-12
)

// unitVec is a point on the unit sphere.
type unitVec struct{ x, y, z float64 }

func toUnit(p LatLng) unitVec {
	sinLat, cosLat := math.Sincos(p.Lat * degToRad)
	sinLng, cosLng := math.Sincos(p.Lng * degToRad)
	return unitVec{cosLat * cosLng, cosLat * sinLng, sinLat}
}

// chord2 is the squared chord between a and b.
func chord2(a, b unitVec) float64 {
	dx, dy, dz := a.x-b.x, a.y-b.y, a.z-b.z
	return dx*dx + dy*dy + dz*dz
}

func chord(a, b unitVec) float64 { return math.Sqrt(chord2(a, b)) }

// rejectChord is the chord beyond which a point is surely farther than meters: the chord of
// that arc, widened by the margins.
func rejectChord(meters float64) float64 {
	theta := math.Min(meters/EarthRadiusMeters, math.Pi)
	return 2*math.Sin(theta/2)*(1+chordMarginRel) + chordMarginAbs
}
