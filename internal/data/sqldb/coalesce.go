package sqldb

import (
	"context"
	"sync"
	"time"
)

// Coalescer runs many small reads as few statements: the calls that arrive while earlier ones
// are being read wait together and go in one batch, up to maxBatch calls a batch and
// maxRunners batches at a time. Alone, a call is read at once; under load, n calls cost about
// n / maxBatch statements instead of n. Only for reads outside a transaction: a batch belongs
// to no caller's transaction.
type Coalescer[K comparable, V any] struct {
	read       func(ctx context.Context, keys []K) (map[K]V, error)
	maxBatch   int
	maxRunners int

	mu      sync.Mutex
	queue   []*coalesced[K, V]
	runners int
}

type coalesced[K comparable, V any] struct {
	key      K
	deadline time.Time
	done     chan coalescedRes[V]
}

type coalescedRes[V any] struct {
	v     V
	found bool
	err   error
}

// coalesceTimeout bounds a batch of calls that have no deadline.
const coalesceTimeout = 10 * time.Second

// NewCoalescer reads with read, which returns the values of the keys it found.
func NewCoalescer[K comparable, V any](maxBatch, maxRunners int,
	read func(ctx context.Context, keys []K) (map[K]V, error)) *Coalescer[K, V] {
	return &Coalescer[K, V]{read: read, maxBatch: maxBatch, maxRunners: maxRunners}
}

// Get returns key's value and whether it was found. It gives up when ctx ends; the batch it
// joined goes on for the others.
func (c *Coalescer[K, V]) Get(ctx context.Context, key K) (V, bool, error) {
	call := &coalesced[K, V]{key: key, done: make(chan coalescedRes[V], 1)}
	if d, ok := ctx.Deadline(); ok {
		call.deadline = d
	}
	c.mu.Lock()
	c.queue = append(c.queue, call)
	if c.runners < c.maxRunners {
		c.runners++
		go c.drain()
	}
	c.mu.Unlock()
	select {
	case r := <-call.done:
		return r.v, r.found, r.err
	case <-ctx.Done():
		var zero V
		return zero, false, ctx.Err()
	}
}

// drain reads batches until the queue is empty.
func (c *Coalescer[K, V]) drain() {
	for {
		c.mu.Lock()
		n := min(len(c.queue), c.maxBatch)
		if n == 0 {
			c.runners--
			c.mu.Unlock()
			return
		}
		batch := make([]*coalesced[K, V], n)
		copy(batch, c.queue)
		clear(c.queue[:n])
		c.queue = c.queue[n:]
		c.mu.Unlock()
		c.run(batch)
	}
}

// run reads one batch until the latest deadline of its calls (at most coalesceTimeout away): a
// caller that stops waiting earlier does not cut the read short for the others.
func (c *Coalescer[K, V]) run(batch []*coalesced[K, V]) {
	limit := time.Now().Add(coalesceTimeout)
	var deadline time.Time
	keys := make([]K, 0, len(batch))
	seen := make(map[K]bool, len(batch))
	for _, call := range batch {
		d := call.deadline
		if d.IsZero() || d.After(limit) {
			d = limit
		}
		if d.After(deadline) {
			deadline = d
		}
		if !seen[call.key] {
			seen[call.key] = true
			keys = append(keys, call.key)
		}
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	found, err := c.read(ctx, keys)
	for _, call := range batch {
		v, ok := found[call.key]
		call.done <- coalescedRes[V]{v: v, found: ok, err: err}
	}
}
