package record

import "encoding/json"

// SpaceKeys is the owner's side of a shared profile (a "space", see
// internal/replica): the keys every one of the owner's devices needs to
// run it. It is a vault record so that the owner's own sync carries it to
// the owner's other devices (sealed with the vault key, like every
// record); it is never shown, never in the book, and never exported.
type SpaceKeys struct {
	ID      string          `json:"id"`      // the space's id at the server
	Profile string          `json:"profile"` // the shared person
	Keys    json.RawMessage `json:"keys"`    // internal/replica's own, opaque here
}

// EncodeSpaceKeys encodes a shared profile's keys (header only).
func EncodeSpaceKeys(k SpaceKeys) []byte { return marshalHeader(RecordSpace, k) }
