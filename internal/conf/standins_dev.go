//go:build dev

package conf

// DevStandIns is true: this binary was built with -tags dev and links the development stand-ins.
const DevStandIns = true
