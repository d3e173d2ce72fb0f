package geo

import "slices"

// NearestScan is the brute-force reference: the k points nearest p within maxRadius
// metres, by the same order as the index. It exists for tests and as the benchmark baseline;
// it allocates and is O(len(points)). An invalid query yields nil.
func NearestScan(points []Point, p LatLng, k int, maxRadius float64) []Result {
	res, err := ScanInto(nil, points, Query{At: p, Limit: k, MaxMeters: maxRadius})
	if err != nil {
		return nil
	}
	return res
}

// ScanInto is the brute-force reference for a full Query (paging and filter), written into
// dst[:0]. It keeps a sorted window with binary-search insertion, independent of the
// index's heap, so the two implementations check each other.
func ScanInto(dst []Result, points []Point, q Query) ([]Result, error) {
	dst = dst[:0]
	if err := q.validate(); err != nil {
		return dst, err
	}
	w := q.Offset + q.Limit
	best := make([]Result, 0, w+1)
	for _, pt := range points {
		r := Result{ID: pt.ID, Meters: Distance(q.At, pt.LatLng)}
		if r.Meters > q.MaxMeters || (q.Filter != nil && !q.Filter(pt.ID)) {
			continue
		}
		i, _ := slices.BinarySearchFunc(best, r, compareResults)
		if i < w {
			best = slices.Insert(best, i, r)[:min(len(best)+1, w)]
		}
	}
	if q.Offset >= len(best) {
		return dst, nil
	}
	return append(dst, best[q.Offset:]...), nil
}
