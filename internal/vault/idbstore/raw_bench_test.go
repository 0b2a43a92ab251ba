//go:build js && wasm

package idbstore

import (
	"fmt"
	"testing"

	"backpack/internal/vault"
)

// BenchmarkWrite10k: the store alone, 10,000 puts of 1.3 KiB in one Write.
func BenchmarkWrite10k(b *testing.B) {
	s := open(b)
	ops := make([]vault.Op, 10000)
	for i := range ops {
		ops[i] = vault.Op{Bucket: vault.BucketRecords, Key: fmt.Sprintf("%032x", i*7919), Value: make([]byte, 1300)}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Write(ctx, ops); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEach10k: the store alone, reading 10,000 values of 1.3 KiB.
func BenchmarkEach10k(b *testing.B) {
	s := open(b)
	ops := make([]vault.Op, 10000)
	for i := range ops {
		ops[i] = vault.Op{Bucket: vault.BucketRecords, Key: fmt.Sprintf("%032x", i*7919), Value: make([]byte, 1300)}
	}
	if err := s.Write(ctx, ops); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := 0
		if err := s.Each(ctx, vault.BucketRecords, func(string, []byte) error { n++; return nil }); err != nil || n != 10000 {
			b.Fatal(err, n)
		}
	}
}

// BenchmarkChunks50: the store alone, 50 values of 1 MiB, one Write each,
// then one Get each.
func BenchmarkChunks50(b *testing.B) {
	s := open(b)
	val := make([]byte, 1<<20+28)
	b.SetBytes(50 << 20)
	for i := 0; i < b.N; i++ {
		for j := 0; j < 50; j++ {
			if err := s.Write(ctx, []vault.Op{{Bucket: vault.BucketChunks, Key: fmt.Sprintf("f.%08x", j), Value: val}}); err != nil {
				b.Fatal(err)
			}
		}
		for j := 0; j < 50; j++ {
			if _, err := s.Get(ctx, vault.BucketChunks, fmt.Sprintf("f.%08x", j)); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkEachPacked10k: the store alone, reading the records bucket of a
// vault holding 10,000 records written by one Put (packed), as Unlock does.
func BenchmarkEachPacked10k(b *testing.B) {
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
		if err := s.Each(ctx, vault.BucketRecords, func(string, []byte) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
