package geo

import (
	"errors"
	"math"
	"testing"
)

func TestValidate(t *testing.T) {
	valid := []LatLng{{0, 0}, {90, 180}, {-90, -180}, {31.23, 121.47}}
	for _, p := range valid {
		if err := p.Validate(); err != nil {
			t.Errorf("%v: %v", p, err)
		}
	}
	invalid := []LatLng{
		{math.NaN(), 0}, {0, math.NaN()}, {math.Inf(1), 0}, {0, math.Inf(-1)},
		{90.000001, 0}, {-90.000001, 0}, {0, 180.000001}, {0, -180.000001},
	}
	for _, p := range invalid {
		err := p.Validate()
		var ce *CoordinateError
		if !errors.Is(err, ErrInvalidCoordinate) || !errors.As(err, &ce) {
			t.Errorf("%v: got %v, want a *CoordinateError matching ErrInvalidCoordinate", p, err)
		}
	}
}

func TestDistanceKnownPairs(t *testing.T) {
	var (
		peoplesSquare = LatLng{31.2317, 121.4726}
		shanghaiTower = LatLng{31.2335, 121.5055} // Lujiazui
		tiananmen     = LatLng{39.9087, 116.3975}
	)
	cases := []struct {
		name     string
		a, b     LatLng
		min, max float64
	}{
		{"People's Square–Lujiazui", peoplesSquare, shanghaiTower, 3_100, 3_200},
		{"Shanghai–Beijing", peoplesSquare, tiananmen, 1_064_000, 1_070_000},
		{"same point", shanghaiTower, shanghaiTower, 0, 0},
		{"across the antimeridian", LatLng{0, 179.9995}, LatLng{0, -179.9995}, 111.19, 111.20},
		{"antimeridian ±180", LatLng{10, 180}, LatLng{10, -180}, 0, 1e-6},
		{"north pole, any longitude", LatLng{90, 0}, LatLng{90, 123}, 0, 1e-6},
		{"over the north pole", LatLng{89.999, 0}, LatLng{89.999, 180}, 222.38, 222.40},
		{"pole to pole", LatLng{90, 0}, LatLng{-90, 0}, math.Pi*EarthRadiusMeters - 1e-6, math.Pi*EarthRadiusMeters + 1e-6},
	}
	for _, c := range cases {
		d := Distance(c.a, c.b)
		if d < c.min || d > c.max {
			t.Errorf("%s: %.6f m, want %.2f..%.2f", c.name, d, c.min, c.max)
		}
		if back := Distance(c.b, c.a); math.Abs(back-d) > 1e-9*math.Max(1, d) {
			t.Errorf("%s: not symmetric: %v vs %v", c.name, d, back)
		}
		if ref := vectorDistance(c.a, c.b); math.Abs(ref-d) > 1e-6*math.Max(1, d) {
			t.Errorf("%s: haversine %.9f m, vector formula %.9f m", c.name, d, ref)
		}
	}
}

// vectorDistance is an independent formula (angle between unit vectors) to check haversine.
func vectorDistance(a, b LatLng) float64 { return angle(unit(a), unit(b)) * EarthRadiusMeters }
