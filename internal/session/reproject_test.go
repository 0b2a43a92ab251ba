package session

import (
	"context"
	"testing"

	"backpack/internal/fhir"
	"backpack/internal/record"
)

// A claim stored before billing had a kind (kind "other", titled by its
// claim type's code) reads as billing at once, and Reproject stores it with
// the title of what it bills for; the next unlock has nothing stale.
func TestReprojectOldBilling(t *testing.T) {
	ctx := context.Background()
	const pass = "correct horse battery staple"
	s, store := newSession(t)
	p, err := s.SaveProfile(ctx, record.Profile{Name: "Ana Example", Relationship: "self"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := fhir.Parse([]byte(`{"resourceType":"Claim","id":"c1","status":"active","type":{"coding":[{"code":"institutional"}]},
		"created":"2019-05-02","item":[{"sequence":1,"productOrService":{"text":"Encounter for problem"}}],"total":{"value":125,"currency":"USD"}}`))
	if err != nil {
		t.Fatal(err)
	}
	old := record.Entry{ID: record.NewID(), Profile: p.ID, Resource: r,
		Projection: record.Projection{Kind: record.KindOther, Title: "institutional", Text: "Claim"},
		Provenance: record.Provenance{Source: "fhir"}}
	old.Identity = record.Identity(r, old.Provenance)
	if err := s.v.Put(ctx, entryRecord(old)); err != nil { // as an older version stored it
		t.Fatal(err)
	}

	s2, err := Unlock(ctx, store, pass)
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := s2.Book().Get(old.ID); e.Kind != record.KindBilling || e.Title != "institutional" {
		t.Fatalf("after unlock: kind %q title %q, want billing with the old title", e.Kind, e.Title)
	}
	if got := s2.Book().Stale(); len(got) != 1 || got[0] != old.ID {
		t.Fatalf("stale %v", got)
	}
	yields := 0
	n, err := s2.Reproject(ctx, func() { yields++ })
	if err != nil || n != 1 || yields != 1 {
		t.Fatalf("Reproject: %d, %v (%d yields)", n, err, yields)
	}
	if e, _ := s2.Book().Get(old.ID); e.Title != "Encounter for problem" || e.Text != "Claim · 125 USD" || len(e.Resource.JSON) != 0 {
		t.Fatalf("after Reproject: %+v", e.Projection)
	}

	s3, err := Unlock(ctx, store, pass)
	if err != nil {
		t.Fatal(err)
	}
	e, _ := s3.Book().Get(old.ID)
	if e.Kind != record.KindBilling || e.Title != "Encounter for problem" || len(s3.Book().Stale()) != 0 {
		t.Fatalf("next unlock: %+v, stale %v", e.Projection, s3.Book().Stale())
	}
	if full, err := s3.Full(ctx, old.ID); err != nil || string(full.Resource.JSON) != string(r.JSON) {
		t.Fatalf("resource changed: %v", err)
	}
}
