package session

import (
	"context"
	"testing"

	"backpack/internal/fhir"
	"backpack/internal/record"
	"backpack/internal/vault"
)

// A blood pressure stored under header version 1 (its systolic as the
// value, its text rounded to 2 decimals) reads as a pair at once, and
// Reproject stores it derived again from its resource: exact numbers, the
// unit its source left out.
func TestReprojectOldResult(t *testing.T) {
	ctx := context.Background()
	s, store := newSession(t)
	p, err := s.SaveProfile(ctx, record.Profile{Name: "Ana Example", Relationship: "self"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := fhir.Parse([]byte(`{"resourceType":"Observation","id":"bp1","status":"final",
		"category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
		"code":{"coding":[{"system":"http://loinc.org","code":"55284-4","display":"Blood Pressure"}]},"effectiveDateTime":"2008-09-19",
		"component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":78.44157909093131}},
		{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":135.66376375862234}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	_, body := record.EncodeEntry(record.Entry{Resource: r})
	header := "\x01E" + `{"i":"old-bp","p":"` + p.ID + `","rt":"Observation","ri":"bp1","k":"vital","d":"2008-09-19","t":"Blood Pressure",` +
		`"x":"135.66/78.44","s":"final","v":135.66376375862234,"cr":"2020-01-01T00:00:00Z"}`
	if err := s.v.Put(ctx, vault.Record{ID: "old-bp", Header: []byte(header), Body: body}); err != nil {
		t.Fatal(err)
	}
	s2, err := Unlock(ctx, store, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	e, _ := s2.Book().Get("old-bp")
	if e.Value2 == nil || *e.Value2 != 78.44 || len(s2.Book().Stale()) != 1 {
		t.Fatalf("after unlock: %+v, stale %v", e.Projection, s2.Book().Stale())
	}
	if n, err := s2.Reproject(ctx, nil); err != nil || n != 1 {
		t.Fatalf("Reproject: %d %v", n, err)
	}
	e, _ = s2.Book().Get("old-bp")
	if e.Value2 == nil || *e.Value2 != 78.44157909093131 || e.ValueText() != "136/78 mmHg" || e.Text != "136/78 mmHg" {
		t.Fatalf("after Reproject: %+v", e.Projection)
	}
	s3, err := Unlock(ctx, store, "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if e, _ := s3.Book().Get("old-bp"); e.ValueText() != "136/78 mmHg" || len(s3.Book().Stale()) != 0 {
		t.Fatalf("next unlock: %+v, stale %v", e.Projection, s3.Book().Stale())
	}
}
