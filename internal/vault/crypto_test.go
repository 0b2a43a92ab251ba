package vault

import (
	"bytes"
	"testing"
)

// Nonces from the buffered source never repeat and are not all zero, across
// refills of the buffer.
func TestNonces(t *testing.T) {
	seen := map[[nonceSize]byte]bool{}
	for range 3 * 4096 / nonceSize {
		var n [nonceSize]byte
		readNonce(n[:])
		if seen[n] || n == [nonceSize]byte{} {
			t.Fatalf("nonce %x repeated or zero", n)
		}
		seen[n] = true
	}
}

// storageKey gives the same answer from a pooled HMAC as from a fresh one,
// and separates kinds and ids.
func TestStorageKeyPool(t *testing.T) {
	_, v, _ := newVault(t)
	k := v.k
	a := k.storageKey(kindRecord, "id")
	for range 10 {
		if k.storageKey(kindRecord, "id") != a {
			t.Fatal("storage key changed")
		}
	}
	if k.storageKey(kindBody, "id") == a || k.storageKey(kindRecord, "id2") == a || len(a) != 32 {
		t.Fatal("storage keys collide")
	}
	k2, _ := deriveKeys(bytes.Clone(k.data))
	if k2.storageKey(kindRecord, "id") != a {
		t.Fatal("storage key depends on more than the data key")
	}
}
