package leader

import "time"

// Config is the neighbourhood policy, from the geo and leaders sections of the configuration.
type Config struct {
	GridRes   int
	PickupRes int
	// MaxRadiusMeters caps nearby searches (default 3 km).
	MaxRadiusMeters float64
	// RebindInterval is how long a shopper's choice of leader stands, once it has ordered, before
	// it may change it again (default 24 h). See Usecase.Bind for the whole rule.
	RebindInterval time.Duration
	// FirstChoiceGrace is how long a shopper may still correct its first choice of leader after
	// having ordered (default 30 min).
	FirstChoiceGrace time.Duration
	// UplineDepth is how many recruiting levels above a leader earn overrides (levels - 1).
	UplineDepth int
	// IndexRefresh is how often each replica's nearby index polls for changed leaders; it bounds
	// how long an approval or suspension takes to show in nearby searches.
	IndexRefresh time.Duration
	// AppID is the mini-program whose openids are the leaders' profit-sharing accounts.
	AppID string
}
