//go:build race

package geo

// raceDetector: under the race detector sync.Pool drops items at random, so pooled buffers are
// sometimes allocated afresh.
const raceDetector = true
