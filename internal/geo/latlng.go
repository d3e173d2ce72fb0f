package geo

import (
	"errors"
	"fmt"
	"math"
)

// EarthRadiusMeters is the mean Earth radius (IUGG R1) used for every distance here.
const EarthRadiusMeters = 6371008.8

const degToRad = math.Pi / 180

// ErrInvalidCoordinate is matched (errors.Is) by every coordinate validation failure.
var ErrInvalidCoordinate = errors.New("geo: invalid coordinate")

// LatLng is a GCJ-02 coordinate in degrees.
type LatLng struct {
	Lat float64 `json:"lat"`
	Lng float64 `json:"lng"`
}

// CoordinateError says which coordinate was rejected and why; it unwraps to
// ErrInvalidCoordinate.
type CoordinateError struct {
	LatLng LatLng
	Reason string
}

func (e *CoordinateError) Error() string {
	return fmt.Sprintf("%v (%v, %v): %s", ErrInvalidCoordinate, e.LatLng.Lat, e.LatLng.Lng, e.Reason)
}

func (e *CoordinateError) Unwrap() error { return ErrInvalidCoordinate }

// Validate rejects NaN, ±Inf, latitudes outside [-90, 90] and longitudes outside [-180, 180].
func (p LatLng) Validate() error {
	switch {
	case math.IsNaN(p.Lat) || math.IsNaN(p.Lng):
		return &CoordinateError{LatLng: p, Reason: "NaN"}
	case math.IsInf(p.Lat, 0) || math.IsInf(p.Lng, 0):
		return &CoordinateError{LatLng: p, Reason: "infinite"}
	case p.Lat < -90 || p.Lat > 90:
		return &CoordinateError{LatLng: p, Reason: "latitude outside [-90, 90]"}
	case p.Lng < -180 || p.Lng > 180:
		return &CoordinateError{LatLng: p, Reason: "longitude outside [-180, 180]"}
	}
	return nil
}

// Distance is the great-circle (haversine) distance in metres between a and b on a sphere of
// radius EarthRadiusMeters. It is exact to float64 rounding for short distances, which is
// what ranking pickup points needs.
func Distance(a, b LatLng) float64 {
	return haversine(a.Lat, a.Lng, cosDeg(a.Lat), b.Lat, b.Lng, cosDeg(b.Lat))
}

// cosDeg and haversine are split out so the index computes bit-for-bit the distances
// Distance does (the exactness tests against NearestScan compare with ==).
func cosDeg(deg float64) float64 { return math.Cos(deg * degToRad) }

// haversine takes cos(lat) precomputed (the query's, once). The float64 conversions forbid fused
// multiply-add (the Go spec lets arm64 fuse x*y+z otherwise), so every caller rounds alike.
func haversine(lat1, lng1, cos1, lat2, lng2, cos2 float64) float64 {
	sLat := math.Sin((lat2 - lat1) * degToRad / 2)
	sLng := math.Sin((lng2 - lng1) * degToRad / 2)
	h := float64(sLat*sLat) + float64(float64(cos1*cos2)*float64(sLng*sLng))
	return 2 * EarthRadiusMeters * math.Asin(math.Sqrt(min(h, 1)))
}
