package vault

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// An abandoned PutFile (the tab closed between two batches) leaves chunks
// and a pending mark; Unlock removes them once the mark is old enough, and
// touches nothing else.
func TestPendingCleanup(t *testing.T) {
	s, v, _ := newVault(t)
	const pass = "correct horse battery staple"
	keep := pattern(3*ChunkSize + 7)
	if _, err := v.PutFile(ctx, "keep", bytes.NewReader(keep)); err != nil {
		t.Fatal(err)
	}
	mustPut(t, v, Record{ID: "r", Header: []byte("h")})
	if d := s.Dump(); len(d[BucketMeta]) != 4 { // schema, two keyslots, revision
		t.Fatalf("a finished PutFile left %d meta records", len(d[BucketMeta]))
	}
	// Every write after the first batch fails, the clean-up too.
	calls := 0
	s.FailWrite = func([]Op) error {
		if calls++; calls > 1 {
			return errors.New("tab closed")
		}
		return nil
	}
	if _, err := v.PutFile(ctx, "lost", bytes.NewReader(pattern(2*BatchChunks*ChunkSize))); err == nil {
		t.Fatal("no error")
	}
	s.FailWrite = nil
	v.Lock()
	chunks := func() int { return len(s.Dump()[BucketChunks]) }
	keepChunks := 4
	if n := chunks(); n != keepChunks+BatchChunks {
		t.Fatalf("%d chunks", n)
	}
	// A fresh mark may belong to a PutFile running in another tab.
	v, err := Unlock(ctx, s, pass)
	if err != nil {
		t.Fatal(err)
	}
	if n := chunks(); n != keepChunks+BatchChunks {
		t.Fatalf("fresh mark: %d chunks", n)
	}
	v.Lock()
	// A forged mark (not sealed by the vault) is left alone, with its chunks.
	forged := pendingPrefix + "0123456789abcdef0123456789abcdef"
	s.Write(ctx, []Op{
		{Bucket: BucketMeta, Key: forged, Value: bytes.Repeat([]byte{1}, 40)},
		{Bucket: BucketChunks, Key: "0123456789abcdef0123456789abcdef.00000000", Value: []byte("x")},
	})
	defer func() { now = time.Now }()
	now = func() time.Time { return time.Now().Add(PendingMaxAge + time.Minute) }
	v, err = Unlock(ctx, s, pass)
	if err != nil {
		t.Fatal(err)
	}
	d := s.Dump()
	if len(d[BucketChunks]) != keepChunks+1 || len(d[BucketMeta]) != 5 || d[BucketMeta][forged] == nil {
		t.Fatalf("after clean-up: %d chunks, %d meta", len(d[BucketChunks]), len(d[BucketMeta]))
	}
	if got, err := readFile(t, v, "keep"); err != nil || !bytes.Equal(got, keep) {
		t.Fatal("kept file damaged", err)
	}
	if _, err := v.OpenFile(ctx, "lost"); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	if h, err := v.Header("r"); err != nil || string(h) != "h" {
		t.Fatal(h, err)
	}
}

func TestPutFileRecord(t *testing.T) {
	s, v, _ := newVault(t)
	data := pattern(BatchChunks*ChunkSize + 3)
	var gotSize int64
	n, err := v.PutFileRecord(ctx, "f", bytes.NewReader(data), func(size int64) (Record, error) {
		gotSize = size
		return Record{ID: "f", Header: []byte("file header")}, nil
	})
	if err != nil || n != int64(len(data)) || gotSize != n {
		t.Fatal(n, gotSize, err)
	}
	if h, err := v.Header("f"); err != nil || string(h) != "file header" {
		t.Fatal(h, err)
	}
	if got, err := readFile(t, v, "f"); err != nil || !bytes.Equal(got, data) {
		t.Fatal(err)
	}
	before := s.Dump()
	// The record's write fails: neither the file nor the record remains.
	s.FailWrite = func(ops []Op) error {
		for _, op := range ops {
			if op.Bucket == BucketRecords {
				return errors.New("disk full")
			}
		}
		return nil
	}
	if _, err := v.PutFileRecord(ctx, "g", bytes.NewReader(data), func(int64) (Record, error) {
		return Record{ID: "g", Header: []byte("g")}, nil
	}); err == nil {
		t.Fatal("no error")
	}
	s.FailWrite = nil
	// rec fails: the same.
	if _, err := v.PutFileRecord(ctx, "g", strings.NewReader("small"), func(int64) (Record, error) {
		return Record{}, errors.New("no")
	}); err == nil {
		t.Fatal("no error")
	}
	if _, err := v.PutFileRecord(ctx, "g", strings.NewReader("small"), func(int64) (Record, error) {
		return Record{ID: ""}, nil
	}); !errors.Is(err, ErrBadID) {
		t.Fatal(err)
	}
	if d := s.Dump(); !equalDumps(d, before) {
		t.Fatal("failed PutFileRecord changed the store")
	}
	if _, err := v.Header("g"); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	if _, err := v.PutFileRecord(ctx, "g", strings.NewReader("x"), nil); err == nil {
		t.Fatal("nil rec accepted")
	}
}

func equalDumps(a, b map[string]map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for name, m := range a {
		if len(m) != len(b[name]) {
			return false
		}
		for k, v := range m {
			if !bytes.Equal(v, b[name][k]) {
				return false
			}
		}
	}
	return true
}

// Files written in batches read back whatever the reader's buffer size,
// across batch boundaries, through Read and WriteTo.
func TestFileBatches(t *testing.T) {
	_, v, _ := newVault(t)
	for _, n := range []int{BatchChunks * ChunkSize, BatchChunks*ChunkSize + 1, 2*ChunkSize - 1, 2 * ChunkSize, 2*ChunkSize + 1, (2*BatchChunks + 2) * ChunkSize} {
		data := pattern(n)
		id := NewID()
		if got, err := v.PutFile(ctx, id, bytes.NewReader(data)); err != nil || got != int64(n) {
			t.Fatal(n, got, err)
		}
		r, _ := v.OpenFile(ctx, id)
		var out bytes.Buffer
		buf := make([]byte, 100_003)
		if _, err := io.CopyBuffer(&out, struct{ io.Reader }{r}, buf); err != nil || !bytes.Equal(out.Bytes(), data) {
			t.Fatalf("%d: %v", n, err)
		}
		r.Close()
		if got, err := readFile(t, v, id); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("%d: %v", n, err)
		}
	}
}

func TestTruncatedAcrossBatches(t *testing.T) {
	const chunks = BatchChunks + 4
	data := pattern(chunks * ChunkSize) // the last chunk is full and final
	for _, drop := range []uint32{1, 2, 3, BatchChunks + 1, BatchChunks + 2, chunks - 1} {
		s, v, _ := newVault(t)
		if _, err := v.PutFile(ctx, "f", bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		d := s.Dump()
		for i := drop; i < chunks; i++ {
			delete(d[BucketChunks], chunkKey(v.k.storageKey(kindFile, "f"), i))
		}
		s.Load(d)
		got, err := readFile(t, v, "f")
		if !errors.Is(err, ErrCorrupt) || !bytes.Equal(got, data[:len(got)]) {
			t.Fatalf("drop from %d: read %d bytes, %v", drop, len(got), err)
		}
	}
}

// Lock during a file transfer stops it with ErrLocked (and the race
// detector finds no access to the wiped keys).
func TestLockDuringFileTransfer(t *testing.T) {
	_, v, _ := newVault(t)
	data := pattern(3*BatchChunks*ChunkSize + 5)
	if _, err := v.PutFile(ctx, "big", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	r, err := v.OpenFile(ctx, "big")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 2)
	go func() {
		_, err := io.Copy(io.Discard, r)
		done <- err
	}()
	go func() {
		_, err := v.PutFile(ctx, "other", bytes.NewReader(data))
		done <- err
	}()
	v.Lock()
	for range 2 {
		if err := <-done; err != nil && !errors.Is(err, ErrLocked) {
			t.Errorf("got %v, want nil or ErrLocked", err)
		}
	}
	r.Close()
}
