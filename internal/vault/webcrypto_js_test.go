//go:build js && wasm

package vault

import (
	"bytes"
	"errors"
	"fmt"
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

// Records written with WebCrypto (every value, whatever its size) read
// back with Go and the other way round, through Body, Bodies and a fresh
// unlock.
func TestRecordsAcrossCryptoPaths(t *testing.T) {
	defer func(m int) { useWebCrypto, webMinBytes = true, m }(webMinBytes)
	for _, w := range []bool{true, false} {
		s, v, _ := newVault(t)
		useWebCrypto, webMinBytes = w, 0
		packed := manyRecords("p", 2*PackMin)
		alone := manyRecords("a", 3)
		mustPut(t, v, packed...)
		mustPut(t, v, alone...)
		useWebCrypto = !w
		checkRecords(t, s, v, append(packed, alone...))
	}
}

// BenchmarkBatch: sealing and opening 1,024 values of each size with
// WebCrypto and with Go, per value. Where the lines cross sets webMinBytes.
func BenchmarkBatch(b *testing.B) {
	_, v, _ := newVault(b)
	k := v.k
	const n = 1024
	for _, size := range []int{250, 600, 1000, 1500, 3000} {
		pts, ads := make([][]byte, n), make([][]byte, n)
		for i := range pts {
			pts[i] = pattern(size)
			ads[i] = inlineBodyAAD(sealVersion, NewID())
		}
		sealed, ok := k.web.sealBatch(ads, pts)
		if !ok {
			b.Fatal("WebCrypto unavailable")
		}
		perValue := func(b *testing.B) {
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/value")
		}
		b.Run(fmt.Sprintf("seal/%d/web", size), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				k.web.sealBatch(ads, pts)
			}
			perValue(b)
		})
		b.Run(fmt.Sprintf("seal/%d/go", size), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				for j := range pts {
					seal(k.aead, ads[j], pts[j])
				}
			}
			perValue(b)
		})
		b.Run(fmt.Sprintf("open/%d/web", size), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				k.web.openBatch(nil, ads, sealed)
			}
			perValue(b)
		})
		b.Run(fmt.Sprintf("open/%d/go", size), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				for j := range sealed {
					open(k.aead, nil, ads[j], sealed[j])
				}
			}
			perValue(b)
		})
	}
}

// A large batch (settled with Promise.all, then again value by value when
// one fails) reports exactly the values that fail.
func TestWebOpenLargeBatchTampered(t *testing.T) {
	_, v, _ := newVault(t)
	k := v.k
	const n = 40
	pts, ads := make([][]byte, n), make([][]byte, n)
	for i := range pts {
		pts[i] = pattern(100 + i)
		ads[i] = []byte(fmt.Sprint("ad", i))
	}
	sealed, ok := k.web.sealBatch(ads, pts)
	if !ok {
		t.Fatal("web seal failed")
	}
	bad := map[int]bool{3: true, 17: true, 39: true}
	for i := range bad {
		sealed[i] = bytes.Clone(sealed[i])
		sealed[i][nonceSize+1] ^= 1
	}
	sealed[20] = sealed[20][:5] // too short: never reaches WebCrypto
	bad[20] = true
	out, errs, ok := k.web.openBatch(nil, ads, sealed)
	if !ok {
		t.Fatal("web open failed")
	}
	for i := range pts {
		if bad[i] != (errs[i] != nil) {
			t.Fatalf("%d: %v", i, errs[i])
		}
		if !bad[i] && !bytes.Equal(out[i], pts[i]) {
			t.Fatalf("%d: wrong plaintext", i)
		}
		if bad[i] && !errors.Is(errs[i], ErrCorrupt) {
			t.Fatalf("%d: %v", i, errs[i])
		}
	}
}
