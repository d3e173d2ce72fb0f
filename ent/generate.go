// Package ent holds the generated ent client; the schemas live in ./schema.
package ent

//go:generate go run -mod=mod entc.go
