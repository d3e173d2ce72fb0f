package geo

import (
	"math"
	"math/rand/v2"
)

// The synthetic city: a Gaussian core where most leaders are, a uniform sparse disk out to
// the suburbs, and a few leaders sharing a building with the previous one. With 100,000
// points the core holds ~47 points per res-9 cell and the outskirts about one.
const (
	cityCoreShare   = 0.7
	cityCoreSigmaM  = 5_000
	cityRadiusM     = 30_000
	citySharedShare = 0.02
)

// SyntheticCity is n points with ids 1..n around centre, deterministic for a seed.
// The load generator and the HTTP benchmark use it too, so keep it stable.
func SyntheticCity(n int, seed int64, centre LatLng) []Point {
	rng := cityRand(seed, 1)
	pts := make([]Point, n)
	for i := range pts {
		pts[i].ID = int64(i + 1)
		if i > 0 && rng.Float64() < citySharedShare {
			pts[i].LatLng = pts[i-1].LatLng
		} else {
			pts[i].LatLng = cityPoint(rng, centre)
		}
	}
	return pts
}

// SyntheticQueries is n shopper locations drawn from the same distribution as
// SyntheticCity, from an independent stream of the same seed.
func SyntheticQueries(n int, seed int64, centre LatLng) []LatLng {
	rng := cityRand(seed, 2)
	qs := make([]LatLng, n)
	for i := range qs {
		qs[i] = cityPoint(rng, centre)
	}
	return qs
}

func cityRand(seed int64, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), stream)) //nolint:gosec // synthetic data, not secrets
}

func cityPoint(rng *rand.Rand, centre LatLng) LatLng {
	if rng.Float64() < cityCoreShare {
		return displace(centre, rng.NormFloat64()*cityCoreSigmaM, rng.NormFloat64()*cityCoreSigmaM)
	}
	r := cityRadiusM * math.Sqrt(rng.Float64()) // uniform over the disk's area
	theta := 2 * math.Pi * rng.Float64()
	return displace(centre, r*math.Cos(theta), r*math.Sin(theta))
}

// displace moves p east and north by the given metres on a local flat approximation (fine for
// tens of kilometres away from the poles), clamping latitude and wrapping longitude.
func displace(p LatLng, eastM, northM float64) LatLng {
	const metresPerDegree = EarthRadiusMeters * degToRad
	lat := math.Max(-90, math.Min(90, p.Lat+northM/metresPerDegree))
	lng := p.Lng + eastM/(metresPerDegree*math.Max(cosDeg(p.Lat), 1e-9))
	lng = math.Mod(lng+180, 360)
	if lng < 0 {
		lng += 360
	}
	return LatLng{Lat: lat, Lng: lng - 180}
}
