package export

import (
	"crypto/sha256"
	"hash"
)

// fileHash is the SHA-256 of a restored file, fed as its bytes stream by.
type fileHash interface {
	Write(p []byte) (int, error)
	// Sum returns the digest.
	Sum() []byte
}

type goHash struct{ h hash.Hash }

func (g goHash) Write(p []byte) (int, error) { return g.h.Write(p) }
func (g goHash) Sum() []byte                 { return g.h.Sum(nil) }

func newGoHash() fileHash { return goHash{sha256.New()} }
