package vault

import (
	"context"
	"errors"
)

// ErrNotFound is returned by Store.Get for a key that is not stored.
var ErrNotFound = errors.New("vault: not found")

// Buckets a Store must provide. Keys are opaque random ids (or fixed names in
// BucketMeta); values are ciphertext, except the keyslot and schema records in
// BucketMeta, which hold no health data.
const (
	BucketMeta    = "meta"    // keyslots, schema version
	BucketRecords = "records" // one encrypted record per key
	BucketChunks  = "chunks"  // encrypted file chunks
)

// Op is one write in an atomic batch: a put, or a delete when Delete is set.
type Op struct {
	Bucket string
	Key    string
	Value  []byte
	Delete bool
}

// Store is the persistence the vault needs. Implementations: MemStore (host,
// tests) and the IndexedDB store (js/wasm). Write applies every op or none.
type Store interface {
	Get(ctx context.Context, bucket, key string) ([]byte, error)
	// Each calls fn for every key/value in bucket, in key order; fn's error stops the walk and is returned.
	Each(ctx context.Context, bucket string, fn func(key string, value []byte) error) error
	Write(ctx context.Context, ops []Op) error
}
