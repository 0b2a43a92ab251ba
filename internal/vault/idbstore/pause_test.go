//go:build js && wasm

package idbstore

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"backpack/internal/vault"
)

// Under vault.WithPause a Write pauses while it copies values to JS, before
// its transaction opens (a pause inside it would let IndexedDB commit
// early): nothing is visible during the pauses, everything after. Both the
// small-value and the large-value copies are paced.
func TestWritePausesBeforeTransaction(t *testing.T) {
	for _, size := range []int{100, 80 << 10} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			s := open(t)
			ops := make([]vault.Op, 40)
			for i := range ops {
				ops[i] = vault.Op{Bucket: vault.BucketRecords, Key: fmt.Sprint("k", i), Value: bytes.Repeat([]byte{byte(i)}, size)}
			}
			pauses := 0
			var early error
			pctx := vault.WithPause(ctx, 0, func() {
				pauses++
				time.Sleep(time.Millisecond) // a turn of the event loop
				if _, err := s.Get(ctx, vault.BucketRecords, ops[0].Key); !errors.Is(err, vault.ErrNotFound) && early == nil {
					early = fmt.Errorf("pause %d: value visible or unreadable: %v", pauses, err)
				}
			})
			if err := s.Write(pctx, ops); err != nil {
				t.Fatal(err)
			}
			if pauses < len(ops) {
				t.Fatalf("%d pauses for %d values", pauses, len(ops))
			}
			if early != nil {
				t.Fatal(early)
			}
			for i, op := range ops {
				v, err := s.Get(ctx, vault.BucketRecords, op.Key)
				if err != nil || !bytes.Equal(v, op.Value) {
					t.Fatalf("value %d: %v", i, err)
				}
			}
		})
	}
}

// A Write under vault.WithPause starts both its copies and its requests on
// a task of their own (vault.Pause), even when no slice has run out: a
// large import's requests take ~115 ms that nothing else may lengthen.
func TestWritePausesBeforeCopyAndRequests(t *testing.T) {
	s := open(t)
	pauses := 0
	pctx := vault.WithPause(ctx, time.Hour, func() { pauses++ })
	if err := s.Write(pctx, []vault.Op{{Bucket: vault.BucketRecords, Key: "k", Value: []byte("v")}}); err != nil {
		t.Fatal(err)
	}
	if pauses != 2 {
		t.Fatalf("%d pauses, want 2", pauses)
	}
}
