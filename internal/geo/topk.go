package geo

import "slices"

// ranksBefore is the result order: nearer first, then smaller id, so pages are stable.
func ranksBefore(meters float64, id int64, r Result) bool {
	return meters < r.Meters || (meters == r.Meters && id < r.ID)
}

func compareResults(a, b Result) int {
	switch {
	case ranksBefore(a.Meters, a.ID, b):
		return -1
	case ranksBefore(b.Meters, b.ID, a):
		return 1
	}
	return 0
}

// topK keeps the k best results seen as a max-heap (worst at the root), so a candidate is
// rejected with one comparison. It is pooled and keeps its array between queries.
type topK struct {
	items []Result
	k     int
}

func (t *topK) reset(k int) {
	t.items, t.k = slices.Grow(t.items[:0], k), k
}

func (t *topK) full() bool { return len(t.items) == t.k }

func (t *topK) worst() Result { return t.items[0] }

// push adds r, evicting the worst when full; the caller has checked r ranks before it.
func (t *topK) push(r Result) {
	if !t.full() {
		t.items = append(t.items, r)
		t.up(len(t.items) - 1)
		return
	}
	t.items[0] = r
	t.down(0)
}

func (t *topK) up(i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !worse(t.items[i], t.items[parent]) {
			return
		}
		t.items[i], t.items[parent] = t.items[parent], t.items[i]
		i = parent
	}
}

func (t *topK) down(i int) {
	n := len(t.items)
	for {
		w, l, r := i, 2*i+1, 2*i+2
		if l < n && worse(t.items[l], t.items[w]) {
			w = l
		}
		if r < n && worse(t.items[r], t.items[w]) {
			w = r
		}
		if w == i {
			return
		}
		t.items[i], t.items[w] = t.items[w], t.items[i]
		i = w
	}
}

func worse(a, b Result) bool { return ranksBefore(b.Meters, b.ID, a) }

// window sorts what was kept and appends the part from offset on to dst.
func (t *topK) window(dst []Result, offset int) []Result {
	slices.SortFunc(t.items, compareResults)
	if offset >= len(t.items) {
		return dst
	}
	return append(dst, t.items[offset:]...)
}
