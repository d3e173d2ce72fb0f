package geo

import (
	"fmt"
	"sync"

	h3 "github.com/uber/h3-go/v4"
)

var topPool = sync.Pool{New: func() any { return new(topK) }}

// Nearest is the first k points within maxRadius metres of p, in a fresh slice: NearestInto
// without paging or filter. It returns nil for a query NearestInto would reject, so callers
// validate their input (LatLng.Validate, k ≤ MaxWindow, radius ≤ MaxRadiusMeters) first.
func (ix *Index) Nearest(p LatLng, k int, maxRadius float64) []Result {
	q := Query{At: p, Limit: k, MaxMeters: maxRadius}
	if q.validate() != nil {
		return nil
	}
	res, err := ix.NearestInto(make([]Result, 0, k), q)
	if err != nil {
		return nil
	}
	return res
}

// NearestInto writes the page q asks for into dst[:0] and returns it: points within
// q.MaxMeters of q.At, nearest first, ties by ascending id, skipping those q.Filter rejects,
// results Offset..Offset+Limit. With a dst of capacity Limit it allocates
// nothing itself (h3-go allocates a few small objects per call, see the package tests).
func (ix *Index) NearestInto(dst []Result, q Query) ([]Result, error) {
	dst = dst[:0]
	if err := q.validate(); err != nil {
		return dst, err
	}
	snap := ix.snap.Load()
	p := toUnit(q.At)
	if q.Limit == 0 || snap.n == 0 || chord(p, snap.cap.centre)-snap.cap.reach > rejectChord(q.MaxMeters) {
		return dst, nil
	}
	origin, err := h3.LatLngToCell(h3.LatLng{Lat: q.At.Lat, Lng: q.At.Lng}, ix.res)
	if err != nil {
		return dst, fmt.Errorf("geo: h3 cell of %v: %w", q.At, err)
	}
	top := topPool.Get().(*topK)
	defer topPool.Put(top)
	top.reset(q.Offset + q.Limit)
	s := search{
		snap: snap, top: top, sep: ix.sep, filter: q.Filter, maxM: q.MaxMeters,
		p: p, lat: q.At.Lat, lng: q.At.Lng, cosLat: cosDeg(q.At.Lat),
	}
	s.limit(q.MaxMeters)
	if err := s.walk(origin); err != nil {
		return dst, err
	}
	return top.window(dst, q.Offset), nil
}

// search is the state of one query; it lives on the caller's stack.
type search struct {
	snap             *snapshot
	top              *topK
	sep              float64 // minSeparation of the index resolution
	filter           func(int64) bool
	maxM             float64
	p                unitVec
	lat, lng, cosLat float64
	reject, reject2  float64 // rejectChord of the current limit, and its square
	seen             int     // points in buckets visited so far, skipped or scanned
	key              uint64  // the block last looked up, and the block (nil: none there)
	blk              *block
}

// limit sets the distance beyond which nothing can make the page any more: the radius, then
// the k-th best distance once k candidates are in.
func (s *search) limit(meters float64) {
	s.reject = rejectChord(meters)
	s.reject2 = s.reject * s.reject
}

// walk scans ring 0 (the origin), 1, 2, … until done says nothing unseen can make the page.
func (s *search) walk(origin h3.Cell) error {
	var rs rings
	rs.start(origin)
	s.visit(origin)
	for r := 0; !s.done(r); r++ {
		ring, err := rs.next()
		if err != nil {
			return err
		}
		for _, c := range ring {
			s.visit(c)
		}
	}
	return nil
}

// done reports whether, with rings 0..r scanned, the walk may stop. Every unseen point is in
// ring r+1 or beyond, hence at least r·sep away (package documentation, steps 1-3); the
// comparisons are strict because an unseen point exactly at the bound could still tie in
// distance and win on id.
func (s *search) done(r int) bool {
	if s.seen == s.snap.n {
		return true
	}
	bound := float64(r) * s.sep
	return bound > s.maxM || (s.top.full() && bound > s.top.worst().Meters)
}

// visit scans the bucket of c unless its centre and reach prove every point in it is past
// the limit (chord(p, q) ≥ chord(p, centre) − reach for each point q).
func (s *search) visit(c h3.Cell) {
	key, slot := s.snap.lay.split(c)
	if key != s.key { // consecutive ring cells mostly share a block: skip the map then
		s.key, s.blk = key, s.snap.blocks[key]
	}
	if s.blk == nil {
		return
	}
	b := &s.blk.slots[slot]
	if len(b.pts) == 0 {
		return
	}
	s.seen += len(b.pts)
	if chord(s.p, b.centre)-b.reach > s.reject {
		return
	}
	for i := range b.pts {
		s.consider(&b.pts[i])
	}
}

// consider offers one point to the page. Most points fail the chord test; the rest get the
// exact distance, computed as Distance does (query first, same cosines), so ranks match
// NearestScan bit for bit.
func (s *search) consider(e *entry) {
	if chord2(s.p, e.v) > s.reject2 {
		return
	}
	d := haversine(s.lat, s.lng, s.cosLat, e.lat, e.lng, cosDeg(e.lat))
	if d > s.maxM || (s.top.full() && !ranksBefore(d, e.id, s.top.worst())) {
		return
	}
	if s.filter != nil && !s.filter(e.id) {
		return
	}
	s.top.push(Result{ID: e.id, Meters: d})
	if s.top.full() {
		s.limit(s.top.worst().Meters)
	}
}
