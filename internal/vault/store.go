package vault

import (
	"context"
	"errors"
	"fmt"
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
	BucketBodies  = "bodies"  // encrypted record bodies, read on demand
)

// Buckets lists every bucket a Store must provide.
var Buckets = []string{BucketMeta, BucketRecords, BucketBodies, BucketChunks}

// Op is one write in an atomic batch: a put, or a delete when Delete is set.
// A delete with Prefix set removes every key of Bucket that starts with Key
// (Key must not be empty then).
type Op struct {
	Bucket string
	Key    string
	Value  []byte
	Delete bool
	Prefix bool
}

// Store is the persistence the vault needs. Implementations: MemStore (host,
// tests) and the IndexedDB store (js/wasm). Write applies every op or none.
type Store interface {
	Get(ctx context.Context, bucket, key string) ([]byte, error)
	// Each calls fn for every key/value in bucket, in key order; fn's error stops the walk and is returned.
	Each(ctx context.Context, bucket string, fn func(key string, value []byte) error) error
	Write(ctx context.Context, ops []Op) error
}

// BatchGetter is implemented by stores that read several keys in one round
// trip (the IndexedDB store: one transaction). vals[i] is nil for a missing
// key. The vault reads file chunks through it when the store has it.
type BatchGetter interface {
	GetMany(ctx context.Context, bucket string, keys []string) (vals [][]byte, err error)
}

// CheckOps validates a batch before a Store applies it: known buckets,
// non-empty keys, no prefix without delete. Stores call it so that a bad batch
// fails whole, before anything is written.
func CheckOps(ops []Op) error {
	for i, op := range ops {
		if !knownBucket(op.Bucket) {
			return fmt.Errorf("vault: op %d: unknown bucket %q", i, op.Bucket)
		}
		if op.Key == "" {
			return fmt.Errorf("vault: op %d: empty key", i)
		}
		if op.Prefix && !op.Delete {
			return fmt.Errorf("vault: op %d: prefix without delete", i)
		}
	}
	return nil
}

func knownBucket(b string) bool {
	for _, k := range Buckets {
		if b == k {
			return true
		}
	}
	return false
}
