//go:build ignore

// entc generates the ent client from ./schema with the features the data layer relies on:
// versioned migrations, upserts (idempotent writes), row locks (FOR UPDATE SKIP LOCKED claims)
// and query modifiers.
package main

import (
	"log"

	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
)

func main() {
	err := entc.Generate("./schema", &gen.Config{
		Features: []gen.Feature{
			gen.FeatureVersionedMigration,
			gen.FeatureUpsert,
			gen.FeatureLock,
			gen.FeatureModifier,
			gen.FeatureExecQuery,
		},
	})
	if err != nil {
		log.Fatalf("running ent codegen: %v", err)
	}
}
