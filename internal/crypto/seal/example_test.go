package seal_test

import (
	"fmt"
	"log"

	"github.com/groupbuy/groupbuy/internal/crypto/seal"
)

// Rotating keys: values sealed with the old key keep opening, new values use
// the new key, and NeedsReseal tells a background job which rows to rewrite.
func Example_rotation() {
	k1, _ := seal.GenerateKey()
	k2, _ := seal.GenerateKey()
	aad := []byte("user/42/phone") // binds the value to its row and column

	before, err := seal.NewKeyring("k1", map[string]string{"k1": k1})
	if err != nil {
		log.Fatal(err)
	}
	stored, keyID, _ := before.Seal([]byte("13800138000"), aad)
	fmt.Println("sealed with", keyID)

	// Later the configuration makes k2 active and keeps k1 for old rows.
	after, err := seal.NewKeyring("k2", map[string]string{"k1": k1, "k2": k2})
	if err != nil {
		log.Fatal(err)
	}
	phone, err := after.Open(stored, aad)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("old row opens:", string(phone))
	fmt.Println("needs reseal:", after.NeedsReseal(stored))

	// The rotation job re-seals the row with the active key.
	stored, keyID, _ = after.Seal(phone, aad)
	id, _ := seal.KeyID(stored)
	fmt.Println("resealed with", keyID, id)
	fmt.Println("needs reseal:", after.NeedsReseal(stored))

	// A value copied to another row does not open there.
	_, err = after.Open(stored, []byte("user/43/phone"))
	fmt.Println(err)
	// Output:
	// sealed with k1
	// old row opens: 13800138000
	// needs reseal: true
	// resealed with k2 k2
	// needs reseal: false
	// seal: authentication failed
}
