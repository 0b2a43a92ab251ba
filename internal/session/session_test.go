package session

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"

	"backpack/internal/fhir"
	"backpack/internal/record"
	"backpack/internal/vault"
)

func newSession(t *testing.T) (*Session, *vault.MemStore) {
	t.Helper()
	store := vault.NewMemStore()
	s, rk, err := Create(context.Background(), store, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if rk == "" {
		t.Fatal("no recovery key")
	}
	return s, store
}

func allergy(t *testing.T, profile string) record.Entry {
	t.Helper()
	r, err := fhir.Parse([]byte(`{"resourceType":"AllergyIntolerance","id":"a1","code":{"text":"Penicillin"},"reaction":[{"manifestation":[{"text":"Hives"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	return record.Entry{Profile: profile, Resource: r}
}

func TestRoundTripThroughVault(t *testing.T) {
	ctx := context.Background()
	s, store := newSession(t)
	p, err := s.SaveProfile(ctx, record.Profile{Name: "Ana Example", Relationship: "self"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := s.SaveEntry(ctx, allergy(t, p.ID))
	if err != nil {
		t.Fatal(err)
	}
	if e.Kind != record.KindAllergy || e.Title != "Penicillin" {
		t.Fatalf("projection: %+v", e.Projection)
	}
	if _, err := s.AddNote(ctx, e.ID, "ask about amoxicillin"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetFlag(ctx, e.ID, &record.ErrorFlag{Note: "it was a rash, not hives"}); err != nil {
		t.Fatal(err)
	}
	f, err := s.AddFile(ctx, record.FileInfo{Profile: p.ID, Name: "scan.pdf", Type: "application/pdf"}, strings.NewReader("%PDF-1.4 secret scan bytes"))
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256([]byte("%PDF-1.4 secret scan bytes")); f.SHA256 != hex.EncodeToString(sum[:]) || f.Size != 26 {
		t.Fatalf("file info: %+v", f)
	}
	if err := s.AttachFiles(ctx, e.ID, []string{f.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveQuestion(ctx, record.Question{Profile: p.ID, Provider: "Dr. Who", Text: "Is the rash related?"}); err != nil {
		t.Fatal(err)
	}
	s.Lock()
	if _, err := Unlock(ctx, store, "wrong passphrase here"); err == nil {
		t.Fatal("wrong passphrase unlocked")
	}
	s2, err := Unlock(ctx, store, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	b := s2.Book()
	got, ok := b.Get(e.ID)
	if !ok || got.Title != "Penicillin" || len(got.Notes) != 1 || got.Flag == nil || len(got.Files) != 1 {
		t.Fatalf("after unlock: %+v", got)
	}
	if len(b.Profiles()) != 1 || len(b.Questions(p.ID)) != 1 || len(b.Files(p.ID)) != 1 {
		t.Fatal("profiles, questions or files lost")
	}
	full, err := s2.Full(ctx, e.ID)
	if err != nil || !bytes.Contains(full.Resource.JSON, []byte("Hives")) {
		t.Fatalf("resource: %s %v", full.Resource.JSON, err)
	}
	rc, err := s2.OpenFile(ctx, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(rc)
	rc.Close()
	if string(data) != "%PDF-1.4 secret scan bytes" {
		t.Fatalf("file: %q", data)
	}
	// Nothing readable at rest.
	var dump []byte
	for bucket, kv := range store.Dump() {
		dump = append(dump, bucket...)
		for k, v := range kv {
			dump = append(append(dump, k...), v...)
		}
	}
	for _, secret := range []string{"Ana Example", "Penicillin", "Hives", "amoxicillin", "rash", "secret scan", "Dr. Who", "scan.pdf"} {
		if bytes.Contains(dump, []byte(secret)) {
			t.Errorf("plaintext %q at rest", secret)
		}
	}
}

func TestDeleteUndoPersist(t *testing.T) {
	ctx := context.Background()
	s, store := newSession(t)
	p, _ := s.SaveProfile(ctx, record.Profile{Name: "Ana"})
	e, _ := s.SaveEntry(ctx, allergy(t, p.ID))
	if err := s.DeleteEntry(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	if n := s.Book().Len(p.ID); n != 0 {
		t.Fatalf("deleted entry still listed: %d", n)
	}
	s.Lock()
	s2, _ := Unlock(ctx, store, "correct horse battery staple")
	if n := len(s2.Book().Trash(p.ID)); n != 1 {
		t.Fatalf("trash after unlock: %d", n)
	}
	if err := s2.Undo(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	s2.Lock()
	s3, _ := Unlock(ctx, store, "correct horse battery staple")
	if n := s3.Book().Len(p.ID); n != 1 {
		t.Fatalf("undo not persisted: %d", n)
	}
}

// failStore fails every write after the first n.
type failStore struct {
	*vault.MemStore
	writes int
}

func (f *failStore) Write(ctx context.Context, ops []vault.Op) error {
	if f.writes <= 0 {
		return errors.New("disk full")
	}
	f.writes--
	return f.MemStore.Write(ctx, ops)
}

// newFailSession is a session on a store that allows one more write (the
// vault's creation): set fs.writes to allow more.
func newFailSession(t *testing.T) (*Session, *failStore) {
	t.Helper()
	fs := &failStore{MemStore: vault.NewMemStore(), writes: 1}
	s, _, err := Create(context.Background(), fs, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	return s, fs
}

func TestImportAtomicAndDeduplicated(t *testing.T) {
	ctx := context.Background()
	s, fs := newFailSession(t)
	entries := func() []record.Entry {
		var es []record.Entry
		for _, code := range []string{"A", "B", "C"} {
			r, _ := fhir.Parse([]byte(`{"resourceType":"Condition","id":"c` + code + `","code":{"text":"Condition ` + code + `"}}`))
			es = append(es, record.Entry{Resource: r, Provenance: record.Provenance{Source: "fhir", File: "x.json"}})
		}
		for i := range es {
			p, _ := record.Project(es[i].Resource)
			es[i].Projection = p
		}
		return es
	}
	// The write fails: nothing lands, not even the new profile.
	if _, _, err := s.Import(ctx, &record.Profile{Name: "Kid"}, entries()); err == nil {
		t.Fatal("import into a failing store succeeded")
	}
	if len(s.Book().Profiles()) != 0 {
		t.Fatal("failed import left a profile")
	}
	fs.writes = 10
	prof := &record.Profile{Name: "Kid"}
	added, skipped, err := s.Import(ctx, prof, entries())
	if err != nil || added != 3 || skipped != 0 {
		t.Fatalf("import: %d %d %v", added, skipped, err)
	}
	again := entries()
	for i := range again {
		again[i].Profile = prof.ID
	}
	added, skipped, err = s.Import(ctx, nil, again)
	if err != nil || added != 0 || skipped != 3 {
		t.Fatalf("re-import: %d %d %v", added, skipped, err)
	}
}
