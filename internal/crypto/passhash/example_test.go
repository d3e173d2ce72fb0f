package passhash_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/groupbuy/groupbuy/internal/crypto/passhash"
)

// Creating a console account and logging in.
func Example() {
	password := "correct horse battery staple"
	if err := passhash.CheckStrength(password); err != nil {
		log.Fatal(err)
	}
	encoded, err := passhash.Hash(password)
	if err != nil {
		log.Fatal(err)
	}
	// The salt and hash are random; the header records the parameters.
	fields := strings.Split(encoded, "$")
	fmt.Println(strings.Join(fields[:4], "$") + "$<salt>$<hash>")

	ok, err := passhash.Verify(password, encoded)
	fmt.Println("correct password:", ok, err)
	ok, err = passhash.Verify("wrong password", encoded)
	fmt.Println("wrong password:", ok, err)
	fmt.Println("needs rehash:", passhash.NeedsRehash(encoded, passhash.DefaultParams))

	fmt.Println(passhash.CheckStrength("password"))
	// Output:
	// $argon2id$v=19$m=65536,t=3,p=2$<salt>$<hash>
	// correct password: true <nil>
	// wrong password: false <nil>
	// needs rehash: false
	// passhash: password too weak: shorter than 12 characters
}
