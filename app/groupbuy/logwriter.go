package main

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// flushEvery bounds how long a log line may wait in the buffer.
const flushEvery = 100 * time.Millisecond

// logWriter buffers log lines and flushes them every flushEvery and on Close. At thousands of
// requests a second an unbuffered access log costs one write system call per request; buffered,
// a line is at most flushEvery late and a crash loses at most that much.
type logWriter struct {
	mu     sync.Mutex
	out    io.Writer
	buf    *bufio.Writer
	closed bool
	stop   chan struct{}
	done   chan struct{}
}

func newLogWriter(w io.Writer) *logWriter {
	lw := &logWriter{out: w, buf: bufio.NewWriterSize(w, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go lw.flushLoop()
	return lw
}

// Write buffers p; after Close (a worker still finishing) it writes straight through.
func (lw *logWriter) Write(p []byte) (int, error) {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	if lw.closed {
		return lw.out.Write(p)
	}
	return lw.buf.Write(p)
}

func (lw *logWriter) flushLoop() {
	defer close(lw.done)
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			lw.flush()
		case <-lw.stop:
			lw.flush()
			return
		}
	}
}

// flush writes out the buffer. A bufio.Writer keeps its first error forever, so after a failed
// write (a full pipe, a closed terminal) the buffer starts afresh rather than drop every later
// line.
func (lw *logWriter) flush() {
	lw.mu.Lock()
	defer lw.mu.Unlock()
	if err := lw.buf.Flush(); err != nil {
		lw.buf.Reset(lw.out)
	}
}

// Close flushes what is buffered and stops the flusher.
func (lw *logWriter) Close() error {
	close(lw.stop)
	<-lw.done
	lw.mu.Lock()
	lw.closed = true
	lw.mu.Unlock()
	return nil
}
