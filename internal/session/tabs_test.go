package session

import (
	"context"
	"errors"
	"testing"

	"backpack/internal/fhir"
	"backpack/internal/record"
)

// twoTabs returns two sessions unlocked on one store, as two browser tabs
// on one IndexedDB database, with a profile and an entry both tabs loaded.
func twoTabs(t *testing.T) (a, b *Session, profile string, entry string) {
	t.Helper()
	ctx := context.Background()
	a, store := newSession(t)
	p, err := a.SaveProfile(ctx, record.Profile{Name: "Ana Example", Relationship: "self"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := a.SaveEntry(ctx, allergy(t, p.ID))
	if err != nil {
		t.Fatal(err)
	}
	b, err = Unlock(ctx, store, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	return a, b, p.ID, e.ID
}

// A note added in tab A, then one in tab B (which loaded the entry before
// A's note): both notes are kept.
func TestTabsNotesBothKept(t *testing.T) {
	ctx := context.Background()
	a, b, _, id := twoTabs(t)
	if _, err := a.AddNote(ctx, id, "note from A"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.AddNote(ctx, id, "note from B"); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*Session{"A": a, "B": b} {
		if _, err := s.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		e, _ := s.Book().Get(id)
		if len(e.Notes) != 2 {
			t.Fatalf("tab %s sees %d notes, want both", name, len(e.Notes))
		}
	}
}

// An entry deleted in A and then noted (or flagged, or edited) in B stays
// deleted, and B is told why.
func TestTabsDeletedStaysDeleted(t *testing.T) {
	ctx := context.Background()
	a, b, _, id := twoTabs(t)
	form, err := b.Full(ctx, id) // B's edit form is open on the entry
	if err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteEntry(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := b.AddNote(ctx, id, "note from B"); !errors.Is(err, ErrGone) {
		t.Fatalf("note on an entry deleted in another tab: %v, want ErrGone", err)
	}
	if err := b.SetFlag(ctx, id, &record.ErrorFlag{Note: "wrong"}); !errors.Is(err, ErrGone) {
		t.Fatalf("flag: %v", err)
	}
	if _, err := b.SaveEntry(ctx, form); !errors.Is(err, ErrGone) {
		t.Fatalf("edit: %v", err)
	}
	if _, err := a.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	e, _ := a.Book().Get(id)
	if e.Deleted.IsZero() || len(e.Notes) != 0 || e.Flag != nil {
		t.Fatalf("entry came back or changed: %+v", e)
	}
}

// The same file imported in both tabs adds its entries once.
func TestTabsImportOnce(t *testing.T) {
	ctx := context.Background()
	a, b, p, _ := twoTabs(t)
	batch := func() []record.Entry {
		var out []record.Entry
		for _, code := range []string{"Peanut", "Latex", "Shellfish"} {
			r, err := fhir.Parse([]byte(`{"resourceType":"AllergyIntolerance","id":"` + code + `","code":{"text":"` + code + `"}}`))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, record.Entry{Profile: p, Resource: r, Provenance: record.Provenance{Source: "portal.json"}})
		}
		return out
	}
	if n, _, err := a.Import(ctx, nil, batch()); err != nil || n != 3 {
		t.Fatalf("A imported %d: %v", n, err)
	}
	n, skipped, err := b.Import(ctx, nil, batch())
	if err != nil || n != 0 || skipped != 3 {
		t.Fatalf("B imported %d (skipped %d): %v; want 0 and 3", n, skipped, err)
	}
	if got := b.Book().Len(p); got != 4 {
		t.Fatalf("B's book holds %d entries, want 4", got)
	}
}

// A tab that did not write learns of the other's writes on Refresh only when
// something changed.
func TestTabsRefresh(t *testing.T) {
	ctx := context.Background()
	a, b, _, id := twoTabs(t)
	if changed, err := b.Refresh(ctx); err != nil || changed {
		t.Fatalf("nothing changed: %v %v", changed, err)
	}
	if _, err := a.AddNote(ctx, id, "from A"); err != nil {
		t.Fatal(err)
	}
	if changed, err := b.Refresh(ctx); err != nil || !changed {
		t.Fatalf("A wrote: changed=%v %v", changed, err)
	}
	if e, _ := b.Book().Get(id); len(e.Notes) != 1 {
		t.Fatal("B did not take in A's note")
	}
	if changed, _ := a.Refresh(ctx); changed {
		t.Fatal("A's own write counted as a change from elsewhere")
	}
}

// A file imported into a new person in both tabs makes that person once.
func TestTabsImportNewPersonOnce(t *testing.T) {
	ctx := context.Background()
	a, b, _, _ := twoTabs(t)
	entries := func() []record.Entry {
		r, err := fhir.Parse([]byte(`{"resourceType":"AllergyIntolerance","id":"x","code":{"text":"Peanut"}}`))
		if err != nil {
			t.Fatal(err)
		}
		return []record.Entry{{Resource: r, Provenance: record.Provenance{Source: "kid.json"}}}
	}
	pa := &record.Profile{Name: "Kim  Example", BirthDate: "2015-04-01"}
	if n, _, err := a.Import(ctx, pa, entries()); err != nil || n != 1 {
		t.Fatalf("A: %d %v", n, err)
	}
	pb := &record.Profile{Name: "kim example", BirthDate: "2015-04-01"}
	n, skipped, err := b.Import(ctx, pb, entries())
	if err != nil || n != 0 || skipped != 1 {
		t.Fatalf("B: added %d skipped %d %v", n, skipped, err)
	}
	if pb.ID != pa.ID || len(b.Book().Profiles()) != 2 {
		t.Fatalf("B made another person: %s vs %s, %d profiles", pb.ID, pa.ID, len(b.Book().Profiles()))
	}
}

// Writes are announced to the other tabs, drafts are not.
func TestTabsAnnounce(t *testing.T) {
	ctx := context.Background()
	a, store := newSession(t)
	n := 0
	store.OnAnnounce = func() { n++ }
	p, err := a.SaveProfile(ctx, record.Profile{Name: "Ana Example", Relationship: "self"})
	if err != nil || n != 1 {
		t.Fatalf("profile saved: %d announcements, %v", n, err)
	}
	if _, err := a.SaveDraft(ctx, record.Draft{Key: "note:x", Profile: p.ID, Fields: map[string]string{"text": "hi"}}); err != nil || n != 1 {
		t.Fatalf("draft saved: %d announcements, %v", n, err)
	}
}
