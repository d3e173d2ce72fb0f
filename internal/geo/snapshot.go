package geo

import (
	"maps"
	"math"
	"slices"

	h3 "github.com/uber/h3-go/v4"
)

// snapshot is immutable once published: readers hold it without locks.
//
// Buckets live in blocks of 49: an H3 index's last two digits (0..6 each) pick the slot and
// the rest of the index keys the block, i.e. a block is the res-(r-2) ancestor's prefix. Ring
// cells come in walking order and neighbours mostly share their prefix, so a search looks up
// a block once per run of cells and then indexes an array, and the block map stays small for
// writers to copy (the 100,000-point benchmark city: 767 blocks, 23,446 cells).
type snapshot struct {
	blocks map[uint64]*block
	lay    layout
	n      int // points
	// cap bounds every point, like a bucket does its cell's: a query whose radius cannot
	// reach it (a shopper outside the served area) is answered without walking empty rings.
	// Removals leave it as it is, still a bound.
	cap bucket
}

type block struct {
	slots [49]bucket
	used  int // non-empty slots
}

// bucket holds the points of one cell. centre and reach let a search skip the whole cell: by
// the triangle inequality (chords are straight lines in space, so it holds exactly) no point
// in it is nearer than chord(p, centre) − reach.
type bucket struct {
	centre unitVec
	reach  float64 // the longest chord from centre to a point here, unit sphere
	pts    []entry
}

// entry is a point laid out for the scan loop. The unit vector is cached so most points are
// rejected with a few multiplications; lat/lng stay for the exact haversine of the rest.
type entry struct {
	v        unitVec
	lat, lng float64
	id       int64
}

func newEntry(id int64, p LatLng) entry {
	return entry{v: toUnit(p), lat: p.Lat, lng: p.Lng, id: id}
}

// layout splits the cells of one resolution into block key and slot.
type layout struct {
	shift uint   // bit offset of the low digits used as the slot
	mask  uint64 // those digits' bits, before shifting
}

func newLayout(res int) layout {
	depth := min(res, 2) // res 0 and 1 have fewer digits
	return layout{shift: uint(15-res) * 3, mask: 1<<(3*depth) - 1}
}

// split: H3 keeps digit d of a cell in bits 3·(15-d)..+3; the key sets the slot digits to
// 7 (never a digit of a valid cell), so it is unique per prefix and never zero.
func (l layout) split(c h3.Cell) (key uint64, slot int) {
	low := uint64(c) >> l.shift & l.mask
	return uint64(c) | l.mask<<l.shift, int(low>>3)*7 + int(low&7)
}

func (b *bucket) init(c h3.Cell) {
	ll, _ := h3.CellToLatLng(c) // c came from LatLngToCell, so it is valid
	b.centre = toUnit(LatLng{Lat: ll.Lat, Lng: ll.Lng})
}

func (b *bucket) grow(e *entry) { b.reach = max(b.reach, chord(b.centre, e.v)) }

// with is b plus e, sharing nothing writable with b.
func (b bucket) with(e entry) bucket {
	b.pts = append(slices.Clip(b.pts), e) // Clip: never write into the published array
	b.grow(&e)
	return b
}

// without is b minus id (possibly empty), sharing nothing writable with b.
func (b bucket) without(id int64) bucket {
	b.pts = slices.DeleteFunc(slices.Clone(b.pts), func(e entry) bool { return e.id == id })
	b.reach = 0
	for i := range b.pts {
		b.grow(&b.pts[i])
	}
	return b
}

// builder fills an unpublished snapshot in place (bulk load).
type builder struct{ s *snapshot }

func newBuilder(res int) *builder {
	return &builder{s: &snapshot{blocks: map[uint64]*block{}, lay: newLayout(res)}}
}

func (b *builder) add(c h3.Cell, e entry) {
	key, slot := b.s.lay.split(c)
	blk := b.s.blocks[key]
	if blk == nil {
		blk = new(block)
		b.s.blocks[key] = blk
	}
	bk := &blk.slots[slot]
	if len(bk.pts) == 0 {
		bk.init(c)
		blk.used++
	}
	bk.pts = append(bk.pts, e) // unpublished: appending in place is fine
	bk.grow(&e)
	b.s.n++
}

// finish centres the cap on the points' mean direction, then stretches it over them.
func (b *builder) finish() *snapshot {
	var sum unitVec
	b.each(func(e *entry) { sum.x, sum.y, sum.z = sum.x+e.v.x, sum.y+e.v.y, sum.z+e.v.z })
	if l := math.Sqrt(chord2(sum, unitVec{})); l > 0 {
		b.s.cap.centre = unitVec{sum.x / l, sum.y / l, sum.z / l}
	} else { // no points, or they cancel out: any centre will do
		b.s.cap.centre = unitVec{z: 1}
	}
	b.each(b.s.cap.grow)
	return b.s
}

func (b *builder) each(f func(*entry)) {
	for _, blk := range b.s.blocks {
		for i := range blk.slots {
			for j := range blk.slots[i].pts {
				f(&blk.slots[i].pts[j])
			}
		}
	}
}

// writer derives the next snapshot from a published one: it copies the block map once and
// each block it touches once, and never modifies a bucket in place.
type writer struct {
	next   *snapshot
	copied []uint64 // keys of blocks already copied (a write touches at most two)
}

func newWriter(cur *snapshot) *writer {
	next := *cur
	next.blocks = maps.Clone(cur.blocks)
	if next.blocks == nil {
		next.blocks = map[uint64]*block{}
	}
	return &writer{next: &next}
}

func (w *writer) block(key uint64) *block {
	old := w.next.blocks[key]
	if old != nil && slices.Contains(w.copied, key) {
		return old
	}
	blk := new(block)
	if old != nil {
		*blk = *old
	}
	w.next.blocks[key] = blk
	w.copied = append(w.copied, key)
	return blk
}

func (w *writer) add(c h3.Cell, e entry) {
	key, slot := w.next.lay.split(c)
	blk := w.block(key)
	bk := &blk.slots[slot]
	if len(bk.pts) == 0 {
		bk.init(c)
		blk.used++
	}
	*bk = bk.with(e)
	w.next.cap.grow(&e)
	w.next.n++
}

func (w *writer) remove(c h3.Cell, id int64) {
	key, slot := w.next.lay.split(c)
	blk := w.block(key)
	bk := &blk.slots[slot]
	if *bk = bk.without(id); len(bk.pts) == 0 {
		*bk = bucket{}
		if blk.used--; blk.used == 0 {
			delete(w.next.blocks, key)
		}
	}
	w.next.n--
}
