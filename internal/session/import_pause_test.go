package session

import (
	"context"
	"fmt"
	"testing"

	"backpack/internal/fhir"
	"backpack/internal/record"
	"backpack/internal/vault"
)

// A large import under vault.WithPause pauses all along its preparation —
// merging, encoding, sealing — and writes only after the last pause, in
// one store write; a failed write still leaves nothing behind.
func TestImportPauses(t *testing.T) {
	ctx := context.Background()
	s, fs := newFailSession(t)
	entries := func() []record.Entry {
		es := make([]record.Entry, 200)
		for i := range es {
			r, err := fhir.Parse(fmt.Appendf(nil, `{"resourceType":"Condition","id":"c%d","code":{"text":"Condition %d"}}`, i, i))
			if err != nil {
				t.Fatal(err)
			}
			es[i] = record.Entry{Resource: r, Provenance: record.Provenance{Source: "fhir", File: "x.json"}}
			es[i].Projection, _ = record.Project(r)
		}
		return es
	}
	pauses, writesAtPause := 0, 0
	pctx := vault.WithPause(ctx, 0, func() {
		pauses++
		writesAtPause = fs.writes
	})
	// The write fails (the store allows none): nothing lands.
	if _, _, err := s.Import(pctx, &record.Profile{Name: "Kid"}, entries()); err == nil {
		t.Fatal("import into a failing store succeeded")
	}
	if len(s.Book().Profiles()) != 0 || s.Book().Len("") != 0 {
		t.Fatal("failed import left a profile or entries")
	}
	fs.writes, pauses = 1, 0
	added, _, err := s.Import(pctx, &record.Profile{Name: "Kid"}, entries())
	if err != nil || added != 200 {
		t.Fatalf("import: %d, %v", added, err)
	}
	if fs.writes != 0 {
		t.Fatalf("the import did not write once (%d writes left)", fs.writes)
	}
	if writesAtPause != 1 {
		t.Fatal("paused after the store's write")
	}
	// Merging pauses once per part; encoding, sealing and placing once per
	// entry each.
	if want := 200/mergePart + 3*200; pauses < want {
		t.Fatalf("%d pauses for 200 entries, want at least %d", pauses, want)
	}
}

// Unlocking under vault.WithPause pauses while the vault decrypts the
// headers and while the book is built from them.
func TestUnlockPauses(t *testing.T) {
	ctx := context.Background()
	s, store := newSession(t)
	p, err := s.SaveProfile(ctx, record.Profile{Name: "Kid"})
	if err != nil {
		t.Fatal(err)
	}
	es := make([]record.Entry, 50)
	for i := range es {
		r, _ := fhir.Parse(fmt.Appendf(nil, `{"resourceType":"Condition","id":"c%d","code":{"text":"Condition %d"}}`, i, i))
		es[i] = record.Entry{Profile: p.ID, Resource: r}
		es[i].Projection, _ = record.Project(r)
	}
	if _, _, err := s.Import(ctx, nil, es); err != nil {
		t.Fatal(err)
	}
	s.Lock()
	pauses := 0
	s2, err := Unlock(vault.WithPause(ctx, 0, func() { pauses++ }), store, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if want := 51 + 51 + 50; pauses < want { // decrypt and decode 51 headers, load 50 entries
		t.Fatalf("%d pauses, want at least %d", pauses, want)
	}
	if n := s2.Book().Len(p.ID); n != 50 {
		t.Fatalf("%d entries after unlock, want 50", n)
	}
}
