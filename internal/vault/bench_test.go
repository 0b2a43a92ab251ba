package vault

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"testing"
)

// Host benchmarks on MemStore: the crypto cost alone. The IndexedDB numbers
// that the targets are about come from idbstore's benchmarks in Chromium.

func benchRecords(n, size int) []Record {
	recs := make([]Record, n)
	for i := range recs {
		recs[i] = Record{ID: NewID(), Header: bytes.Repeat([]byte{'h'}, 200), Body: bytes.Repeat([]byte{byte(i)}, size)}
	}
	return recs
}

// BenchmarkUnlock10k: Argon2id 46 MiB and 10,000 headers. Target ≤ 1 s.
func BenchmarkUnlock10k(b *testing.B) {
	s := NewMemStore()
	v, _, err := create(ctx, s, "bench pass", realKDF)
	if err != nil {
		b.Fatal(err)
	}
	if err := v.Put(ctx, benchRecords(10000, 1024)...); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v, err := Unlock(ctx, s, "bench pass")
		if err != nil {
			b.Fatal(err)
		}
		v.Lock()
	}
}

// BenchmarkPut10k: one atomic Put of 10,000 ~1 KiB records. Target ≤ 2 s.
func BenchmarkPut10k(b *testing.B) {
	_, v, _ := newVault(b)
	recs := benchRecords(10000, 1024)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := v.Put(ctx, recs...); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFile50MB: PutFile and read back, per direction. Target ≥ 30 MB/s.
func BenchmarkFile50MB(b *testing.B) {
	const size = 50 << 20
	data := pattern(size)
	_, v, _ := newVault(b)
	for _, dir := range []string{"write", "read"} {
		b.Run(dir, func(b *testing.B) {
			b.SetBytes(size)
			for i := 0; i < b.N; i++ {
				id := fmt.Sprint("f", i)
				if dir == "read" {
					b.StopTimer()
				}
				if _, err := v.PutFile(ctx, id, bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
				if dir == "read" {
					b.StartTimer()
					r, _ := v.OpenFile(ctx, id)
					if n, err := io.Copy(io.Discard, r); err != nil || n != size {
						b.Fatal(n, err)
					}
				}
				b.StopTimer()
				v.DeleteFile(ctx, id)
				b.StartTimer()
			}
		})
	}
}

// BenchmarkKDF: Argon2id with DefaultKDF alone (the fixed cost of Unlock).
func BenchmarkKDF(b *testing.B) {
	s := &keyslot{V: 1, KDF: kdfArgon2id, Memory: realKDF.Memory, Time: realKDF.Time, Threads: realKDF.Threads, Salt: make([]byte, 16)}
	for i := 0; i < b.N; i++ {
		if _, err := s.wrapKey(context.Background(), []byte("bench pass")); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadHeaders10k: decrypting 10,000 headers, without the KDF.
func BenchmarkLoadHeaders10k(b *testing.B) {
	_, v, _ := newVault(b)
	if err := v.Put(ctx, benchRecords(10000, 1024)...); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := v.loadHeaders(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStorageKey(b *testing.B) {
	_, v, _ := newVault(b)
	for i := 0; i < b.N; i++ {
		v.k.storageKey(kindRecord, "0123456789abcdef0123456789abcdef")
	}
}

func BenchmarkSeal1KiB(b *testing.B) {
	_, v, _ := newVault(b)
	pt := make([]byte, 1024)
	ad := aad(2, BucketRecords, "k", nil)
	b.SetBytes(1024)
	for i := 0; i < b.N; i++ {
		seal(v.k.aead, ad, pt)
	}
}

func BenchmarkSeal1MiB(b *testing.B) {
	_, v, _ := newVault(b)
	pt := make([]byte, 1<<20)
	ad := aad(2, BucketRecords, "k", nil)
	b.SetBytes(1 << 20)
	for i := 0; i < b.N; i++ {
		seal(v.k.aead, ad, pt)
	}
}

func BenchmarkRandNonce(b *testing.B) {
	var n [nonceSize]byte
	for i := 0; i < b.N; i++ {
		rand.Read(n[:])
	}
}

// BenchmarkStrength is the meter's cost per keystroke for a long passphrase.
func BenchmarkStrength(b *testing.B) {
	p := "apple river cloud tiger lamp bread orbit velvet canyon maple ribbon 42!"
	for b.Loop() {
		Strength(p)
	}
}
