//go:build js && wasm

package idbstore

import (
	"fmt"
	"strings"
	"testing"

	"backpack/internal/vault"
)

// Keys lists every key in order, across batches, without the values.
func TestKeys(t *testing.T) {
	s := open(t)
	n := keysBatch + 5
	ops := make([]vault.Op, 0, n)
	for i := range n {
		ops = append(ops, vault.Op{Bucket: vault.BucketChunks, Key: fmt.Sprintf("p%06d.00000000", i), Value: []byte{byte(i)}})
	}
	if err := s.Write(ctx, ops); err != nil {
		t.Fatal(err)
	}
	i := 0
	err := s.Keys(ctx, vault.BucketChunks, func(k string) error {
		if want := fmt.Sprintf("p%06d.00000000", i); k != want {
			return fmt.Errorf("key %d: %s, want %s", i, k, want)
		}
		i++
		return nil
	})
	if err != nil || i != n {
		t.Fatal(err, i)
	}
}

// Reclaim over IndexedDB removes a file no record describes and keeps the
// one a record describes.
func TestReclaimOnIndexedDB(t *testing.T) {
	s := open(t)
	v, _, err := vault.Create(ctx, s, "pass")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.PutFile(ctx, "orphan", strings.NewReader("left over")); err != nil {
		t.Fatal(err)
	}
	if _, err := v.PutFileRecord(ctx, "kept", strings.NewReader("mine"), func(int64) (vault.Record, error) {
		return vault.Record{ID: "kept", Header: []byte("file")}, nil
	}); err != nil {
		t.Fatal(err)
	}
	v.Lock()
	if v, err = vault.Unlock(ctx, s, "pass"); err != nil { // a new tab
		t.Fatal(err)
	}
	if n, err := v.Reclaim(ctx); err != nil || n != 1 {
		t.Fatal(n, err)
	}
	if _, err := v.OpenFile(ctx, "orphan"); err == nil {
		t.Fatal("orphan kept")
	}
	if len(dump(t, s)[vault.BucketChunks]) != 1 {
		t.Fatal("kept file lost")
	}
}
