package session

import (
	"bytes"
	"context"
	"testing"

	"backpack/internal/record"
)

// A draft is kept encrypted in the vault: after a lock and an unlock it is
// offered again; saving it unchanged writes nothing; deleting forgets it.
func TestDraftsKept(t *testing.T) {
	ctx := context.Background()
	s, store := newSession(t)
	d := record.Draft{Key: "add:visit", Profile: "p1", Fields: map[string]string{"title": "Knee check", "summary": "Swelling down"}}
	saved, err := s.SaveDraft(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	for _, vals := range store.Dump() {
		for _, v := range vals {
			if bytes.Contains(v, []byte("Swelling")) {
				t.Fatal("a draft is stored in plaintext")
			}
		}
	}
	again, err := s.SaveDraft(ctx, d)
	if err != nil || again.ID != saved.ID || !again.Updated.Equal(saved.Updated) {
		t.Fatalf("unchanged draft written again: %+v %v", again, err)
	}
	s.Lock()
	s2, err := Unlock(ctx, store, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	got, ok := s2.Draft("add:visit")
	if !ok || got.Fields["summary"] != "Swelling down" || got.Profile != "p1" {
		t.Fatalf("draft after unlock: %+v %v", got, ok)
	}
	if s2.Corrupt() != 0 {
		t.Fatalf("%d corrupt", s2.Corrupt())
	}
	d.Fields["summary"] = "Swelling gone"
	if _, err := s2.SaveDraft(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := s2.DeleteDraft(ctx, "add:visit"); err != nil {
		t.Fatal(err)
	}
	s3, _ := Unlock(ctx, store, "correct horse battery staple")
	if _, ok := s3.Draft("add:visit"); ok {
		t.Fatal("deleted draft came back")
	}
	if ids, _ := s3.Vault().IDs(); len(ids) != 0 {
		t.Fatalf("records left: %v", ids)
	}
}

// Deleting a person deletes the drafts typed for them.
func TestDraftsGoWithTheirPerson(t *testing.T) {
	ctx := context.Background()
	s, _ := newSession(t)
	p, err := s.SaveProfile(ctx, record.Profile{Name: "Kim Example"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SaveDraft(ctx, record.Draft{Key: "form:add:visit:" + p.ID, Profile: p.ID, Fields: map[string]string{"title": "x"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteProfile(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Draft("form:add:visit:" + p.ID); ok {
		t.Fatal("draft kept")
	}
	if ids, _ := s.Vault().IDs(); len(ids) != 0 {
		t.Fatalf("records left: %v", ids)
	}
}
