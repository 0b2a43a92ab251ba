package vault

import (
	"bytes"
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
