package vault

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

const testPass = "correct horse battery staple"

// prefixes returns the file prefixes that have chunks in s.
func prefixes(s *MemStore) map[string]bool {
	out := map[string]bool{}
	for k := range s.Dump()[BucketChunks] {
		out[k[:strings.LastIndexByte(k, '.')]] = true
	}
	return out
}

func pendingMarks(s *MemStore) int {
	n := 0
	for k := range s.Dump()[BucketMeta] {
		if strings.HasPrefix(k, pendingPrefix) {
			n++
		}
	}
	return n
}

// moveClock sets the vault's clock d ahead for the rest of the test.
func moveClock(t *testing.T, d time.Duration) {
	prev := now
	now = func() time.Time { return time.Now().Add(d) }
	t.Cleanup(func() { now = prev })
}

// A stage cut short (the tab closed mid-restore: no Commit, no Abort, no
// clean-up write) leaves its files under fresh marks that nobody touches,
// then reclaimed by the first Reclaim once the marks are old; files that
// records describe are never removed.
func TestStageInterruptedIsReclaimed(t *testing.T) {
	s, v, _ := newVault(t)
	kept := pattern(BatchChunks*ChunkSize + 5) // several transactions
	if _, err := v.PutFileRecord(ctx, "kept", bytes.NewReader(kept), func(int64) (Record, error) {
		return Record{ID: "kept", Header: []byte("file")}, nil
	}); err != nil {
		t.Fatal(err)
	}
	st := v.Stage()
	if _, err := st.PutFile(ctx, "staged-1", bytes.NewReader(pattern(3*ChunkSize))); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutFile(ctx, "staged-2", strings.NewReader("small")); err != nil {
		t.Fatal(err)
	}
	// The third file dies halfway: every write from its second batch on
	// fails, the clean-up too.
	calls := 0
	s.FailWrite = func([]Op) error {
		if calls++; calls > 1 {
			return errors.New("tab closed")
		}
		return nil
	}
	if _, err := st.PutFile(ctx, "staged-3", bytes.NewReader(pattern(2*BatchChunks*ChunkSize))); err == nil {
		t.Fatal("no error")
	}
	s.FailWrite = nil
	if n := len(prefixes(s)); n != 4 {
		t.Fatalf("%d files stored", n)
	}
	v.Lock()

	// Another tab right away: the marks are fresh (the stage may still be
	// running there), nothing goes.
	v, err := Unlock(ctx, s, testPass)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := v.Reclaim(ctx); err != nil || n != 0 || len(prefixes(s)) != 4 {
		t.Fatalf("fresh: reclaimed %d (%v), %d files left", n, err, len(prefixes(s)))
	}
	// Later: the three staged files go, with their marks.
	moveClock(t, PendingMaxAge+time.Minute)
	if n, err := v.Reclaim(ctx); err != nil || n != 3 {
		t.Fatalf("reclaimed %d, %v", n, err)
	}
	if p := prefixes(s); len(p) != 1 || !p[v.k.storageKey(kindFile, "kept")] {
		t.Fatalf("left: %v", p)
	}
	if n := pendingMarks(s); n != 0 {
		t.Fatalf("%d marks left", n)
	}
	if got, err := readFile(t, v, "kept"); err != nil || !bytes.Equal(got, kept) {
		t.Fatal("kept file damaged", err)
	}
	if n, err := v.Reclaim(ctx); err != nil || n != 0 {
		t.Fatalf("again: %d %v", n, err)
	}
}

// Commit keeps the staged files its records describe, in the same
// transaction as the records, and deletes the others (a crafted export's
// file that no profile takes); nothing is left to reclaim.
func TestStageCommit(t *testing.T) {
	s, v, _ := newVault(t)
	st := v.Stage()
	a, b := pattern(2*ChunkSize+1), []byte("bytes no record describes")
	if _, err := st.PutFile(ctx, "a", bytes.NewReader(a)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutFile(ctx, "b", bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutFile(ctx, "a", strings.NewReader("again")); !errors.Is(err, ErrExists) {
		t.Fatal(err)
	}
	if got := st.Files(); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Fatal(got)
	}
	if n := pendingMarks(s); n != 2 {
		t.Fatalf("%d marks while staged", n)
	}
	writes := 0
	s.FailWrite = func([]Op) error { writes++; return nil }
	if err := st.Commit(ctx, Record{ID: "a", Header: []byte("file a")}, Record{ID: "entry", Header: []byte("e")}); err != nil {
		t.Fatal(err)
	}
	s.FailWrite = nil
	if writes != 1 {
		t.Fatalf("commit took %d writes", writes)
	}
	if got, err := readFile(t, v, "a"); err != nil || !bytes.Equal(got, a) {
		t.Fatal(err)
	}
	if _, err := v.OpenFile(ctx, "b"); !errors.Is(err, ErrNotFound) {
		t.Fatal("undescribed file kept:", err)
	}
	if n := pendingMarks(s); n != 0 {
		t.Fatalf("%d marks after commit", n)
	}
	moveClock(t, PendingMaxAge+time.Minute)
	if n, err := v.Reclaim(ctx); err != nil || n != 0 {
		t.Fatalf("reclaimed %d after commit, %v", n, err)
	}
	if err := st.Commit(ctx); err == nil {
		t.Fatal("second commit")
	}
}

// A failed commit writes nothing and leaves the files staged, for Abort.
func TestStageCommitFailsWhole(t *testing.T) {
	s, v, _ := newVault(t)
	st := v.Stage()
	if _, err := st.PutFile(ctx, "a", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	before := len(s.Dump()[BucketRecords])
	s.FailWrite = func([]Op) error { return errors.New("disk full") }
	if err := st.Commit(ctx, Record{ID: "a", Header: []byte("f")}); err == nil {
		t.Fatal("no error")
	}
	s.FailWrite = nil
	if len(s.Dump()[BucketRecords]) != before || v.has("a") {
		t.Fatal("a record was written")
	}
	st.Abort(ctx)
	if len(prefixes(s)) != 0 || pendingMarks(s) != 0 {
		t.Fatal("abort left chunks or marks")
	}
}

// A stage that runs longer than PendingMaxAge keeps its files: each new
// file rewrites the marks of the earlier ones.
func TestStageLongRunningKeepsFiles(t *testing.T) {
	s, v, _ := newVault(t)
	st := v.Stage()
	if _, err := st.PutFile(ctx, "first", strings.NewReader("one")); err != nil {
		t.Fatal(err)
	}
	moveClock(t, PendingMaxAge*2/3)
	if _, err := st.PutFile(ctx, "second", strings.NewReader("two")); err != nil {
		t.Fatal(err)
	}
	moveClock(t, PendingMaxAge+time.Minute) // first written 11 min ago, marked 4 min ago
	other, err := Unlock(ctx, s, testPass)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := other.Reclaim(ctx); err != nil || n != 0 {
		t.Fatalf("reclaimed %d of a running stage, %v", n, err)
	}
	if err := st.Commit(ctx, Record{ID: "first", Header: []byte("1")}, Record{ID: "second", Header: []byte("2")}); err != nil {
		t.Fatal(err)
	}
	if got, err := readFile(t, v, "first"); err != nil || string(got) != "one" {
		t.Fatal(got, err)
	}
}

// A stage frozen for longer than PendingMaxAge has its files reclaimed by
// another tab; its Commit then writes no record that would point at them.
func TestStageExpired(t *testing.T) {
	s, v, _ := newVault(t)
	st := v.Stage()
	if _, err := st.PutFile(ctx, "f", strings.NewReader("bytes")); err != nil {
		t.Fatal(err)
	}
	moveClock(t, PendingMaxAge+time.Minute)
	other, err := Unlock(ctx, s, testPass)
	if err != nil {
		t.Fatal(err)
	}
	other.Reclaim(ctx) // the unlock reclaimed it already
	if len(prefixes(s)) != 0 {
		t.Fatal("not reclaimed")
	}
	if err := st.Commit(ctx, Record{ID: "f", Header: []byte("file")}); !errors.Is(err, ErrStageExpired) {
		t.Fatal(err)
	}
	if v.has("f") || len(s.Dump()[BucketRecords]) != 0 {
		t.Fatal("a record for a reclaimed file")
	}
}

// Chunks no record describes and no mark claims (left by a restore of an
// older version, or a profile deletion cut short) are reclaimed at once;
// while any record fails to decrypt they are kept, since it may be theirs.
func TestReclaimUndescribed(t *testing.T) {
	s, v, _ := newVault(t)
	if _, err := v.PutFile(ctx, "orphan", strings.NewReader("nobody")); err != nil {
		t.Fatal(err)
	}
	if _, err := v.PutFileRecord(ctx, "f", strings.NewReader("mine"), func(int64) (Record, error) {
		return Record{ID: "f", Header: []byte("file")}, nil
	}); err != nil {
		t.Fatal(err)
	}
	// A record of another kind whose id a file has: it describes it.
	if _, err := v.PutFile(ctx, "shared-id", strings.NewReader("kept")); err != nil {
		t.Fatal(err)
	}
	mustPut(t, v, Record{ID: "shared-id", Header: []byte("x")})

	// One damaged record: unmarked chunks are left alone.
	for k, val := range s.Dump()[BucketRecords] {
		if k == v.k.storageKey(kindRecord, "shared-id") {
			val[len(val)-1] ^= 1
			s.Write(ctx, []Op{{Bucket: BucketRecords, Key: k, Value: val}})
		}
	}
	v.Lock()
	v, err := Unlock(ctx, s, testPass)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := v.Reclaim(ctx); err != nil || n != 0 {
		t.Fatalf("with a corrupt record: reclaimed %d, %v", n, err)
	}
	// Repaired: the orphan goes, the rest stays.
	mustPut(t, v, Record{ID: "shared-id", Header: []byte("x")})
	v.Lock()
	if v, err = Unlock(ctx, s, testPass); err != nil {
		t.Fatal(err)
	}
	if n, err := v.Reclaim(ctx); err != nil || n != 1 {
		t.Fatalf("reclaimed %d, %v", n, err)
	}
	if _, err := v.OpenFile(ctx, "orphan"); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	for _, id := range []string{"f", "shared-id"} {
		if _, err := readFile(t, v, id); err != nil {
			t.Fatal(id, err)
		}
	}
}

// keysHook runs fn before listing a bucket's keys (another tab writing
// while Reclaim looks).
type keysHook struct {
	*MemStore
	fn func()
}

func (h *keysHook) Keys(ctx context.Context, bucket string, fn func(string) error) error {
	if h.fn != nil {
		h.fn()
		h.fn = nil
	}
	return h.MemStore.Keys(ctx, bucket, fn)
}

// A file written with its record by another tab while Reclaim lists the
// chunks is not in this vault's headers yet: it must not be taken for an
// orphan.
func TestReclaimRacingWrite(t *testing.T) {
	s, _, _ := newVault(t)
	h := &keysHook{MemStore: s}
	v, err := Unlock(ctx, h, testPass)
	if err != nil {
		t.Fatal(err)
	}
	other, err := Unlock(ctx, s, testPass)
	if err != nil {
		t.Fatal(err)
	}
	h.fn = func() {
		if _, err := other.PutFileRecord(ctx, "new", strings.NewReader("just written"), func(int64) (Record, error) {
			return Record{ID: "new", Header: []byte("file")}, nil
		}); err != nil {
			t.Error(err)
		}
	}
	if n, err := v.Reclaim(ctx); err != nil || n != 0 {
		t.Fatalf("reclaimed %d, %v", n, err)
	}
	if _, err := readFile(t, other, "new"); err != nil {
		t.Fatal(err)
	}
}
