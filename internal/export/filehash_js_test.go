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

// TestWebIterHash checks the S2K's WebCrypto path against Go's.
func TestWebIterHash(t *testing.T) {
	for _, n := range []int{1, 20, 21, 1000, 16 << 20} {
		data := []byte("saltsalt" + "passphrase!!!")
		web, ok := webIterHash(data, max(n, len(data)))
		if !ok {
			t.Fatal("WebCrypto not used")
		}
		useWebHash = false
		want := s2kSHA256([]byte("passphrase!!!"), []byte("saltsalt"), n)
		useWebHash = true
		if !bytes.Equal(web, want) {
			t.Fatalf("count %d: differs", n)
		}
	}
}
