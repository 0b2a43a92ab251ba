package vault

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
)

func TestChangeMarks(t *testing.T) {
	ctx := context.Background()
	s, v, _ := newVault(t)
	mustPut(t, v, Record{ID: "before", Header: []byte("h")})
	if ch, _, err := v.Changes(ctx); err != nil || len(ch) != 0 {
		t.Fatalf("untracked vault has changes %v, %v", ch, err)
	}
	if err := v.Track(ctx); err != nil {
		t.Fatal(err)
	}
	mustPut(t, v, Record{ID: "a", Header: []byte("h")}, Record{ID: "b", Header: []byte("h"), Body: []byte("body")})
	if err := v.Delete(ctx, "before"); err != nil {
		t.Fatal(err)
	}
	if err := v.Put(Untracked(ctx), Record{ID: "pulled", Header: []byte("h")}); err != nil {
		t.Fatal(err)
	}
	ch, marks, err := v.Changes(ctx)
	if err != nil || !slices.Equal(changeIDs(ch), []string{"a", "b", "before"}) || len(marks) != 3 || ch[0].Time.IsZero() {
		t.Fatalf("changes %v marks %v err %v", ch, marks, err)
	}
	// A write after Changes keeps its mark through ClearChanges.
	mustPut(t, v, Record{ID: "c", Header: []byte("h")})
	if err := v.ClearChanges(ctx, marks); err != nil {
		t.Fatal(err)
	}
	if ch, _, _ := v.Changes(ctx); !slices.Equal(changeIDs(ch), []string{"c"}) {
		t.Fatalf("after clear: %v", ch)
	}
	// Marks hold no id in plaintext.
	for k, val := range s.Dump()[BucketMeta] {
		if bytes.Contains([]byte(k), []byte("before")) || bytes.Contains(val, []byte("before")) {
			t.Fatalf("meta %s shows a record id", k)
		}
	}
	// Another vault opened on the store (another tab, a later unlock) tracks too.
	v2, err := Unlock(ctx, s, "correct horse battery staple")
	if err != nil || !v2.Tracked() {
		t.Fatalf("reopened vault tracked=%v err=%v", v2.Tracked(), err)
	}
}

func TestJoinAndRawChunks(t *testing.T) {
	ctx := context.Background()
	_, v, _ := newVault(t)
	data := pattern(ChunkSize*2 + 100)
	if _, err := v.PutFile(ctx, "file1", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	slots, err := v.Keyslots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s2 := NewMemStore()
	if _, err := Join(ctx, s2, slots, "wrong"); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("join with a wrong passphrase: %v", err)
	}
	if ok, _ := Exists(ctx, s2); ok {
		t.Fatal("a failed join wrote the store")
	}
	v2, err := Join(ctx, s2, slots, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	k1, _ := v.SyncKeys()
	k2, _ := v2.SyncKeys()
	if !bytes.Equal(k1.Sign, k2.Sign) || !bytes.Equal(k1.Seal, k2.Seal) {
		t.Fatal("two devices derive different sync keys")
	}
	p1, n, _ := v.FileKey("file1", int64(len(data)))
	p2, _, _ := v2.FileKey("file1", int64(len(data)))
	if p1 != p2 || n != 3 {
		t.Fatalf("file keys %s %s, %d chunks", p1, p2, n)
	}
	var chunks [][]byte
	for i := range n {
		c, err := v.RawChunk(ctx, "file1", i)
		if err != nil {
			t.Fatal(err)
		}
		chunks = append(chunks, c)
	}
	// A chunk out of place is refused; in place they are stored in two goes (resumed).
	if err := v2.PutRawChunks(ctx, "file1", 1, n, chunks[:1]); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("chunk 0 stored as chunk 1: %v", err)
	}
	if err := v2.PutRawChunks(ctx, "file1", 0, n, chunks[:1]); err != nil {
		t.Fatal(err)
	}
	if has, _ := v2.HasRawChunks(ctx, "file1", n); !slices.Equal(has, []bool{true, false, false}) {
		t.Fatalf("has %v", has)
	}
	if err := v2.PutRawChunks(ctx, "file1", 1, n, chunks[1:]); err != nil {
		t.Fatal(err)
	}
	// Before its record lands, a Reclaim leaves the file alone.
	if n, err := v2.Reclaim(ctx); err != nil || n != 0 {
		t.Fatalf("reclaim took %d files (%v) of a transfer under way", n, err)
	}
	if err := v2.PutSettled(ctx, []string{"file1"}, Record{ID: "file1", Header: []byte("file")}); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Get(ctx, BucketMeta, pendingPrefix+p2); !errors.Is(err, ErrNotFound) {
		t.Fatalf("pending mark left after the record: %v", err)
	}
	got, err := readFile(t, v2, "file1")
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("file on the second device: %v", err)
	}
}

func changeIDs(ch []Change) []string {
	var ids []string
	for _, c := range ch {
		ids = append(ids, c.ID)
	}
	return ids
}
