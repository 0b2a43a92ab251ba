//go:build js && wasm

package vault

import (
	"bytes"
	"errors"
	"testing"
)

// WebCrypto and the Go AEAD produce the same format: each opens the
// other's output, and both reject a tampered value or the wrong AAD.
func TestWebCryptoMatchesGo(t *testing.T) {
	_, v, _ := newVault(t)
	k := v.k
	if !k.web.usable() {
		t.Fatal("WebCrypto unavailable in the test browser")
	}
	pts := [][]byte{{}, []byte("x"), pattern(1000), pattern(ChunkSize)}
	ads := [][]byte{[]byte("a0"), []byte("a1"), {}, []byte("a3")}
	web, ok := k.web.sealBatch(ads, pts)
	if !ok {
		t.Fatal("web seal failed")
	}
	for i := range pts {
		pt, err := open(k.aead, nil, ads[i], web[i])
		if err != nil || !bytes.Equal(pt, pts[i]) {
			t.Fatalf("%d: Go cannot open WebCrypto's output: %v", i, err)
		}
	}
	goSealed := make([][]byte, len(pts))
	for i := range pts {
		goSealed[i] = seal(k.aead, ads[i], pts[i])
	}
	goSealed[2] = bytes.Clone(goSealed[2])
	goSealed[2][20] ^= 1 // tampered
	wrongAD := bytes.Clone(ads[3])
	wrongAD[0] ^= 1
	out, errs, ok := k.web.openBatch(nil, [][]byte{ads[0], ads[1], ads[2], wrongAD}, goSealed)
	if !ok {
		t.Fatal("web open failed")
	}
	for i := range pts {
		want := i < 2
		if (errs[i] == nil) != want {
			t.Fatalf("%d: err %v", i, errs[i])
		}
		if want && !bytes.Equal(out[i], pts[i]) {
			t.Fatalf("%d: wrong plaintext", i)
		}
		if !want && !errors.Is(errs[i], ErrCorrupt) {
			t.Fatalf("%d: %v", i, errs[i])
		}
	}
	if _, errs, _ := k.web.openBatch(nil, [][]byte{nil}, [][]byte{[]byte("short")}); !errors.Is(errs[0], ErrCorrupt) {
		t.Fatal(errs[0])
	}
}

// Files written with WebCrypto read back with Go and the other way round.
func TestFilesAcrossCryptoPaths(t *testing.T) {
	defer func() { useWebCrypto = true }()
	_, v, _ := newVault(t)
	data := pattern(BatchChunks*ChunkSize + 5)
	for _, w := range []bool{true, false} {
		useWebCrypto = w
		id := NewID()
		if _, err := v.PutFile(ctx, id, bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		useWebCrypto = !w
		if got, err := readFile(t, v, id); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("written with web=%v: %v", w, err)
		}
	}
}
