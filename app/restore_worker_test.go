//go:build !(js && wasm)

package ui

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"backpack/internal/export"
	"backpack/internal/record"
	"backpack/internal/vault"
	"backpack/internal/worker"
)

// A restore read through the worker's messages (records in the reply,
// files streamed into the vault) restores what reading in place does, and
// the vault exports again.
func TestRestoreThroughWorker(t *testing.T) {
	ctx := context.Background()
	src := xpNewSession(t, vault.NewMemStore())
	xpFill(t, src)
	file := xpExportAll(t, src, "maple-orbit-cactus")
	want := xpSnapshot(t, src)

	dst := xpNewSession(t, vault.NewMemStore())
	open := func() io.ReadCloser { return io.NopCloser(bytes.NewReader(file)) }
	q := worker.OpenRequest{Size: int64(len(file)), Pass: "maple orbit cactus"}
	res, err := restoreWith(ctx, dst, func(sink export.FileSink) (*export.Archive, error) {
		o, err := xpOpenServe(q, open, nil, sink)
		return o.Archive, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if res != (restoreResult{Profiles: 2, Entries: 3, Notes: 1, Flags: 1, Files: 2, Questions: 1}) {
		t.Errorf("restore: %+v", res)
	}
	if got := xpSnapshot(t, dst); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("restored vault differs:\n got %q\nwant %q", got, want)
	}
	again := xpExportAll(t, dst, "maple-orbit-cactus")
	dst2 := xpNewSession(t, vault.NewMemStore())
	if _, err := restoreArchive(ctx, dst2, bytes.NewReader(again), export.PassphraseIdentity("maple-orbit-cactus"), nil); err != nil {
		t.Fatal(err)
	}
	if got := xpSnapshot(t, dst2); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("export of the restored vault differs:\n got %q", got)
	}
}

// When the worker dies after some files' bytes were streamed into the
// vault, the restore fails with the worker's words and leaves no chunk.
func TestRestoreWorkerDiesMidway(t *testing.T) {
	ctx := context.Background()
	st := vault.NewMemStore()
	s := xpNewSession(t, st)
	_, err := restoreWith(ctx, s, func(sink export.FileSink) (*export.Archive, error) {
		feed := worker.NewFeed(sink)
		feed.Put(worker.Piece{Info: &record.FileInfo{ID: "f1", Name: "scan.pdf", Size: 6}})
		feed.Put(worker.Piece{Data: []byte("%PDF-1")})
		feed.Put(worker.Piece{})
		feed.Put(worker.Piece{Info: &record.FileInfo{ID: "f2", Name: "cut.pdf", Size: 100}})
		feed.Put(worker.Piece{Data: []byte("%PDF")})
		if err := feed.Close(); err == nil {
			t.Error("a file cut short was taken")
		}
		return nil, &worker.Failure{Key: worker.KeyDied}
	})
	if xpOpenErrorKey(err) != worker.KeyDied {
		t.Fatalf("err = %v", err)
	}
	n := 0
	st.Each(ctx, vault.BucketChunks, func(string, []byte) error { n++; return nil })
	if n != 0 {
		t.Errorf("%d file chunks left", n)
	}
}
