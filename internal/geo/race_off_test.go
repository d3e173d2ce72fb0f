//go:build !race

package geo

const raceDetector = false
