package session

import (
	"context"
	"testing"

	"backpack/internal/record"
	"backpack/internal/vault"
)

// Records another device sent, stored through Apply, show in the book:
// one by one for a few, by a build before the next use for many.
func TestApplyFollowsTheVault(t *testing.T) {
	ctx := context.Background()
	s, _ := newSession(t)
	p, err := s.SaveProfile(ctx, record.Profile{Name: "Ana Example", Relationship: "self"})
	if err != nil {
		t.Fatal(err)
	}
	put := func(n int) []string {
		var recs []vault.Record
		var ids []string
		for range n {
			e := allergy(t, p.ID)
			e.ID = record.NewID()
			pr, _ := record.Project(e.Resource)
			e.Projection = pr
			recs = append(recs, entryRecord(e))
			ids = append(ids, e.ID)
		}
		err := s.Apply(ctx, func() ([]string, error) {
			return ids, s.Vault().Put(vault.Untracked(ctx), recs...)
		})
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	few := put(3)
	if s.stale {
		t.Fatal("a few records made the book stale")
	}
	many := put(applyOneByOne + 1)
	if !s.stale {
		t.Fatal("many records were followed one by one")
	}
	for _, id := range append(few, many...) {
		if _, ok := s.Book().Get(id); !ok {
			t.Fatalf("entry %s not in the book", id)
		}
	}
	// A deletion is followed too.
	if err := s.Apply(ctx, func() ([]string, error) { return few[:1], s.Vault().Delete(ctx, few[0]) }); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Book().Get(few[0]); ok {
		t.Fatal("deleted entry still in the book")
	}
}

// Drafts stay on their device: they leave no change for sync to push.
func TestDraftsLeaveNoChange(t *testing.T) {
	ctx := context.Background()
	s, _ := newSession(t)
	if err := s.Vault().Track(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveDraft(ctx, record.Draft{Key: "note:x", Fields: map[string]string{"text": "half a thought"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteDraft(ctx, "note:x"); err != nil {
		t.Fatal(err)
	}
	if ch, _, err := s.Vault().Changes(ctx); err != nil || len(ch) != 0 {
		t.Fatalf("changes %v %v", ch, err)
	}
}
