package vault

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// PutFiles writes the files' last chunks and the records in one store
// write; a failure leaves neither files nor records.
func TestPutFiles(t *testing.T) {
	s, v, _ := newVault(t)
	small, big := pattern(100), pattern(BatchChunks*ChunkSize+10)
	// The revision mark (metaRev) is written with every record write; the
	// pending marks of file writes must all be gone again.
	pendingMarks := func() (n int) {
		for k := range s.Dump()[BucketMeta] {
			if strings.HasPrefix(k, pendingPrefix) {
				n++
			}
		}
		return n
	}
	writes := 0
	s.FailWrite = func(ops []Op) error { writes++; return nil }
	err := v.PutFiles(ctx, []NewFile{{ID: "small", R: bytes.NewReader(small)}, {ID: "big", R: bytes.NewReader(big)}},
		Record{ID: "rec-1", Header: []byte("h1")}, Record{ID: "rec-2", Header: []byte("h2"), Body: []byte("b2")})
	if err != nil {
		t.Fatal(err)
	}
	if writes != 2 { // the big file's first batch; then everything else at once
		t.Errorf("%d store writes, want 2", writes)
	}
	for id, want := range map[string][]byte{"small": small, "big": big} {
		rc, err := v.OpenFile(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes, %v", id, len(got), err)
		}
	}
	if h, err := v.Header("rec-2"); err != nil || string(h) != "h2" {
		t.Errorf("header %q %v", h, err)
	}
	if n := pendingMarks(); n != 0 {
		t.Errorf("%d pending marks left", n)
	}

	// The last write fails: nothing of it stays.
	before := s.Dump()
	s.FailWrite = func(ops []Op) error {
		for _, op := range ops {
			if op.Bucket == BucketRecords {
				return errors.New("quota")
			}
		}
		return nil
	}
	err = v.PutFiles(ctx, []NewFile{{ID: "f2", R: bytes.NewReader(big)}, {ID: "f3", R: bytes.NewReader(small)}},
		Record{ID: "rec-3", Header: []byte("h3")})
	s.FailWrite = nil
	if err == nil {
		t.Fatal("no error from a failing store")
	}
	after := s.Dump()
	for _, b := range []string{BucketChunks, BucketRecords, BucketMeta} {
		if len(after[b]) != len(before[b]) {
			t.Errorf("bucket %s: %d items, was %d", b, len(after[b]), len(before[b]))
		}
	}
	if _, err := v.Header("rec-3"); err == nil {
		t.Error("record of a failed write is cached")
	}
	// A file id already in use is refused and its file kept.
	if err := v.PutFiles(ctx, []NewFile{{ID: "small", R: bytes.NewReader(big)}}); !errors.Is(err, ErrExists) {
		t.Fatal(err)
	}
	if rc, err := v.OpenFile(ctx, "small"); err != nil {
		t.Fatal(err)
	} else if got, _ := io.ReadAll(rc); !bytes.Equal(got, small) {
		t.Error("existing file changed")
	}
}
