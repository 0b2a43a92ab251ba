//go:build js && wasm

package idbstore

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"backpack/internal/vault"
)

func records(n, size int) []vault.Record {
	recs := make([]vault.Record, n)
	for i := range recs {
		recs[i] = vault.Record{ID: vault.NewID(), Header: bytes.Repeat([]byte{'h'}, 200), Body: bytes.Repeat([]byte{byte(i)}, size)}
	}
	return recs
}

// BenchmarkUnlock10k: Argon2id (46 MiB) and 10,000 record headers from
// IndexedDB. Target ≤ 1 s.
func BenchmarkUnlock10k(b *testing.B) {
	vault.DefaultKDF = realKDF
	defer func() { vault.DefaultKDF = vault.KDFParams{Memory: 64, Time: 1, Threads: 1} }()
	s := open(b)
	v, _, err := vault.Create(ctx, s, "bench pass")
	if err != nil {
		b.Fatal(err)
	}
	if err := v.Put(ctx, records(10000, 1024)...); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		v, err := vault.Unlock(ctx, s, "bench pass")
		if err != nil {
			b.Fatal(err)
		}
		if h, _ := v.Headers(); len(h) != 10000 {
			b.Fatal(len(h))
		}
		v.Lock()
	}
}

// BenchmarkPut10k: one atomic Put of 10,000 records of ~1 KiB. Target ≤ 2 s.
func BenchmarkPut10k(b *testing.B) {
	s := open(b)
	v, _, err := vault.Create(ctx, s, "bench pass")
	if err != nil {
		b.Fatal(err)
	}
	recs := records(10000, 1024)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := v.Put(ctx, recs...); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFile50MB: PutFile then read back 50 MB; MB/s counts the file
// once per direction. Target ≥ 30 MB/s.
func BenchmarkFile50MB(b *testing.B) {
	const size = 50 << 20
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i * 31)
	}
	s := open(b)
	v, _, err := vault.Create(ctx, s, "bench pass")
	if err != nil {
		b.Fatal(err)
	}
	for _, dir := range []string{"write", "read"} {
		b.Run(dir, func(b *testing.B) {
			b.SetBytes(size)
			for i := 0; i < b.N; i++ {
				id := fmt.Sprint("f", i)
				if dir == "write" {
					if _, err := v.PutFile(ctx, id, bytes.NewReader(data)); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					v.DeleteFile(ctx, id)
					b.StartTimer()
					continue
				}
				b.StopTimer()
				if _, err := v.PutFile(ctx, id, bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				r, err := v.OpenFile(ctx, id)
				if err != nil {
					b.Fatal(err)
				}
				if n, err := io.Copy(io.Discard, r); err != nil || n != size {
					b.Fatal(n, err)
				}
				b.StopTimer()
				v.DeleteFile(ctx, id)
				b.StartTimer()
			}
		})
	}
}
