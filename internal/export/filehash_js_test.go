//go:build js && wasm

package export

import (
	"bytes"
	"crypto/sha256"
	"math/rand/v2"
	"testing"
)

// TestWebHash checks WebCrypto's SHA-256 against Go's, written in pieces,
// for the expected size, fewer bytes and more bytes than expected.
func TestWebHash(t *testing.T) {
	data := make([]byte, 3<<20+7)
	rand.NewChaCha8([32]byte{9}).Read(data)
	for _, c := range []struct{ size, n int }{{len(data), len(data)}, {len(data), 1000}, {1000, len(data)}, {1, 1}} {
		h := newFileHash(int64(c.size))
		if _, ok := h.(*webHash); !ok {
			t.Fatalf("size %d: not hashed by WebCrypto", c.size)
		}
		for p := data[:c.n]; len(p) > 0; {
			k := min(len(p), 65536-3)
			h.Write(p[:k])
			p = p[k:]
		}
		want := sha256.Sum256(data[:c.n])
		if got := h.Sum(); !bytes.Equal(got, want[:]) {
			t.Fatalf("size %d, %d bytes: digest differs", c.size, c.n)
		}
	}
}
