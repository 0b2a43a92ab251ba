package ui

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"backpack/internal/export"
	"backpack/internal/record"
	"backpack/internal/session"
	"backpack/internal/vault"
)

// rsClosingStore is a tab that closes mid-restore: once a write of file
// chunks has landed, every later write fails, the restore's own clean-up
// included.
type rsClosingStore struct {
	*vault.MemStore
	closed atomic.Bool
}

func (c *rsClosingStore) Write(ctx context.Context, ops []vault.Op) error {
	if c.closed.Load() {
		return errors.New("tab closed")
	}
	if err := c.MemStore.Write(ctx, ops); err != nil {
		return err
	}
	for _, op := range ops {
		if op.Bucket == vault.BucketChunks && !op.Delete {
			c.closed.Store(true)
		}
	}
	return nil
}

// rsSource is a filled vault and its export with passphrase pass.
func rsSource(t *testing.T, pass string) (*session.Session, []byte) {
	t.Helper()
	src := xpNewSession(t, vault.NewMemStore())
	xpFill(t, src)
	return src, xpExportAll(t, src, pass)
}

// rsFiles counts the files that have chunks in store.
func rsFiles(t *testing.T, store vault.Store) int {
	t.Helper()
	seen := map[string]bool{}
	store.Each(context.Background(), vault.BucketChunks, func(k string, _ []byte) error {
		seen[k[:strings.LastIndexByte(k, '.')]] = true
		return nil
	})
	return len(seen)
}

// A restore cut short after its first file leaves that file staged; the
// person restores again at once and gets everything, and the copy left
// behind is not counted as a file of the record.
func TestRestoreInterruptedThenAgain(t *testing.T) {
	ctx := context.Background()
	src, file := rsSource(t, "maple-orbit-cactus")
	want := xpSnapshot(t, src)
	pass := export.PassphraseIdentity("maple-orbit-cactus")

	st := &rsClosingStore{MemStore: vault.NewMemStore()}
	s := xpNewSession(t, st)
	if _, err := restoreArchive(ctx, s, bytes.NewReader(file), pass, nil); err == nil {
		t.Fatal("the interrupted restore succeeded")
	}
	if n := rsFiles(t, st.MemStore); n != 1 {
		t.Fatalf("%d files left by the interrupted restore, want 1", n)
	}
	// The tab is opened again.
	s, err := session.Unlock(ctx, st.MemStore, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Book().Profiles()) != 0 {
		t.Fatal("the interrupted restore left profiles")
	}
	res, err := restoreArchive(ctx, s, bytes.NewReader(file), pass, nil)
	if err != nil {
		t.Fatal("restoring again:", err)
	}
	if res.Files != 2 || res.Entries != 3 {
		t.Errorf("second restore: %+v", res)
	}
	if got := xpSnapshot(t, s); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("restored vault differs:\n got %q\nwant %q", got, want)
	}
	// Two files of the record and the staged copy, which the vault
	// reclaims once its mark is old (internal/vault TestStageInterruptedIsReclaimed).
	if n := rsFiles(t, st.MemStore); n != 3 {
		t.Errorf("%d files stored", n)
	}
}

// Chunks that no record describes — what a restore cut short left before
// restores were staged, under the very ids the export uses — are reclaimed
// when a restore starts, and the restore then succeeds (it used to fail
// with "already exists"). Files of the record stay.
func TestRestoreReclaimsOrphans(t *testing.T) {
	ctx := context.Background()
	src, file := rsSource(t, "p")
	d, err := src.Data(ctx)
	if err != nil {
		t.Fatal(err)
	}

	st := vault.NewMemStore()
	s := xpNewSession(t, st)
	mine := xpNewFile(t, s, "mine.txt", "kept bytes")
	for _, f := range d.Files {
		if _, err := s.Vault().PutFile(ctx, f.ID, strings.NewReader("left over")); err != nil {
			t.Fatal(err)
		}
	}
	if n := rsFiles(t, st); n != 3 {
		t.Fatalf("fixture: %d files", n)
	}
	res, err := restoreArchive(ctx, s, bytes.NewReader(file), export.PassphraseIdentity("p"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Files != 2 {
		t.Errorf("result %+v", res)
	}
	if n := rsFiles(t, st); n != 3 {
		t.Errorf("%d files stored, want mine and the two restored", n)
	}
	rc, err := s.OpenFile(ctx, mine)
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
	for _, f := range d.Files {
		if _, ok := s.Book().File(f.ID); !ok {
			t.Errorf("file %s restored under another id", f.Name)
		}
	}
}

func xpNewFile(t *testing.T, s *session.Session, name, body string) string {
	t.Helper()
	ps := s.Book().Profiles()
	if len(ps) == 0 {
		p, err := s.SaveProfile(context.Background(), record.Profile{Name: "Kim Test", Relationship: "self"})
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	f, err := s.AddFile(context.Background(), record.FileInfo{Profile: ps[0].ID, Name: name, Type: "text/plain"}, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return f.ID
}

// The same export restored in two tabs, the second opened before the first
// restored: the second adds nothing (its merge re-reads the vault under
// the lock every tab takes), and no file is stored twice.
func TestRestoreInTwoTabs(t *testing.T) {
	ctx := context.Background()
	src, file := rsSource(t, "p")
	want := xpSnapshot(t, src)

	st := vault.NewMemStore()
	a := xpNewSession(t, st)
	b, err := session.Unlock(ctx, st, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := restoreArchive(ctx, a, bytes.NewReader(file), export.PassphraseIdentity("p"), nil); err != nil {
		t.Fatal(err)
	}
	res, err := restoreArchive(ctx, b, bytes.NewReader(file), export.PassphraseIdentity("p"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Nothing() {
		t.Errorf("the second tab's restore added: %+v", res)
	}
	for name, s := range map[string]*session.Session{"A": a, "B": b} {
		s.Refresh(ctx)
		if got := xpSnapshot(t, s); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("tab %s: %d lines, want %d", name, len(got), len(want))
		}
	}
	if n := rsFiles(t, st); n != 2 {
		t.Errorf("%d files stored, want 2", n)
	}
}
