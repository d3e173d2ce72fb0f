//go:build !dev

package conf

// DevStandIns is false: this is the production build, without the development stand-ins.
const DevStandIns = false
