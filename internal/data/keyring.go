package data

import (
	"fmt"

	"github.com/groupbuy/groupbuy/internal/conf"
	"github.com/groupbuy/groupbuy/internal/crypto/seal"
)

// NewKeyring builds the keys that seal personal data at rest.
func NewKeyring(c *conf.Security) (*seal.Keyring, error) {
	pd := c.GetPersonalData()
	kr, err := seal.NewKeyring(pd.GetActiveKeyId(), pd.GetKeys())
	if err != nil {
		return nil, fmt.Errorf("personal data keys: %w", err)
	}
	return kr, nil
}
