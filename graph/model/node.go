// Package model holds the GraphQL types that are not domain types (generated
// by gqlgen into models_gen.go) and the Node interface.
package model

// Node is any object with a global id. The domain types bound to GraphQL
// objects satisfy it; their ids are produced by field resolvers.
type Node interface{}
