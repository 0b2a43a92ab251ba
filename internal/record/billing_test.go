package record

import (
	"slices"
	"testing"
	"time"

	"backpack/internal/fhir"
)

func billingResource(t *testing.T, js string) fhir.Resource {
	t.Helper()
	r, err := fhir.Parse([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Claims, explanations of benefit and the other financial resources are
// billing, titled by what they bill for, with their amount.
func TestProjectBilling(t *testing.T) {
	for _, c := range []struct {
		js, title, text, who string
	}{
		{`{"resourceType":"Claim","id":"c1","status":"active","type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/claim-type","code":"institutional"}]},
		  "billablePeriod":{"start":"2019-05-02T10:00:00Z"},"provider":{"display":"Clinic A"},
		  "item":[{"sequence":1,"productOrService":{"text":"Encounter for problem"}}],"total":{"value":125.5,"currency":"USD"}}`,
			"Encounter for problem", "Claim · 125.5 USD", "Clinic A"},
		{`{"resourceType":"ExplanationOfBenefit","id":"e1","status":"active","created":"2019-05-02",
		  "insurer":{"display":"Payer"},"total":[{"category":{"text":"Submitted"},"amount":{"value":80,"currency":"EUR"}}]}`,
			"Explanation of benefit", "80 EUR", "Payer"},
		{`{"resourceType":"PaymentNotice","id":"p1","status":"active","created":"2020-01-01","amount":{"value":10,"currency":"USD"}}`,
			"Payment notice", "10 USD", ""},
	} {
		r := billingResource(t, c.js)
		p, err := Project(r)
		if err != nil {
			t.Fatal(err)
		}
		if p.Kind != KindBilling || p.Title != c.title || p.Text != c.text || p.Who != c.who || p.Date.IsZero() {
			t.Errorf("%s: %+v, want billing %q / %q / %q, dated", r.Type, p, c.title, c.text, c.who)
		}
	}
	if !slices.Contains(Kinds, KindBilling) || !slices.Contains(HiddenKinds, KindBilling) {
		t.Error("billing is not a listed, hidden kind")
	}
}

// An entry stored before billing had a kind (kind "other") is billing once
// read back into the book, from its header alone; the timeline hides it
// when asked to and every unfiltered read (the exports) still has it.
func TestOldBillingEntriesReadAsBilling(t *testing.T) {
	old := Entry{ID: NewID(), Profile: "p", Resource: fhir.Resource{Type: "ExplanationOfBenefit", ID: "e1"},
		Projection: Projection{Kind: KindOther, Title: "institutional", Date: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)}}
	visit := Entry{ID: NewID(), Profile: "p", Resource: fhir.Resource{Type: "Encounter", ID: "v1"},
		Projection: Projection{Kind: KindVisit, Title: "Checkup", Date: time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)}}
	other := Entry{ID: NewID(), Profile: "p", Resource: fhir.Resource{Type: "Basic", ID: "b1"},
		Projection: Projection{Kind: KindOther, Title: "Something"}}
	h, _ := EncodeEntry(old)
	dec, err := DecodeHeader(h)
	if err != nil {
		t.Fatal(err)
	}
	b := NewBook()
	for _, e := range []Entry{*dec.Entry, visit, other} {
		if err := b.Load(Header{Type: RecordEntry, Entry: &e}); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := b.Get(old.ID); got.Kind != KindBilling {
		t.Fatalf("old entry kind %q, want billing", got.Kind)
	}
	if got, _ := b.Get(other.ID); got.Kind != KindOther {
		t.Fatalf("a non-billing other became %q", got.Kind)
	}
	if got := b.Stale(); len(got) != 1 || got[0] != old.ID {
		t.Fatalf("stale %v, want the old billing entry", got)
	}
	noted, _ := b.Get(old.ID)
	noted.Notes = []Note{{ID: "n", Text: "paid"}}
	if b.Update(noted); len(b.Stale()) != 1 {
		t.Fatal("a note made a stale entry look fresh")
	}
	fresh := noted
	fresh.Title = "Office visit"
	if b.Update(fresh); len(b.Stale()) != 0 {
		t.Fatal("a re-projected entry is still stale")
	}
	if n := b.KindCounts("p")[KindBilling]; n != 1 {
		t.Fatalf("billing count %d", n)
	}
	page, total := b.Timeline(Filter{Profile: "p", Hide: HiddenKinds}, 0, -1)
	if total != 2 || slices.ContainsFunc(page, func(e Entry) bool { return e.Kind == KindBilling }) {
		t.Fatalf("hidden billing still listed: %d %+v", total, page)
	}
	if _, total := b.Timeline(Filter{Profile: "p"}, 0, -1); total != 3 {
		t.Fatalf("unfiltered read (exports) has %d entries, want 3", total)
	}
	if _, total := b.Timeline(Filter{Profile: "p", Kinds: []Kind{KindVisit}, Hide: HiddenKinds}, 0, -1); total != 1 {
		t.Fatalf("kind filter with hidden kinds: %d", total)
	}
	if s := b.Summary("p"); len(s.Conditions)+len(s.Labs)+len(s.Medications) != 0 {
		t.Fatalf("summary lists billing: %+v", s)
	}
}
