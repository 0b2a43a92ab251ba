package record

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

// entryOf builds an entry from a manual form, with a fixed creation time.
func entryOf(t testing.TB, k Kind, fields map[string]string) Entry {
	t.Helper()
	f := NewForm(k)
	maps.Copy(f.Fields, fields)
	e, err := f.ToEntry(testProfile, nil, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func testBook(t testing.TB) (*Book, map[string]Entry) {
	b := NewBook()
	es := map[string]Entry{
		"a1c-old":  entryOf(t, KindLab, map[string]string{"test": "Hemoglobin A1c", "date": "2023-01-10", "value": "7.9", "unit": "%", "low": "4", "high": "5.6"}),
		"a1c-new":  entryOf(t, KindLab, map[string]string{"test": "HbA1c", "date": "2024-01-10", "value": "6.1", "unit": "%", "low": "4", "high": "5.6"}),
		"a1c-mid":  entryOf(t, KindLab, map[string]string{"test": "hemoglobina A1c", "date": "2023-07-10", "value": "6.8", "unit": "%"}),
		"glucose":  entryOf(t, KindLab, map[string]string{"test": "Glucose", "date": "2024-01-10", "value": "101", "unit": "mg/dL", "high": "99"}),
		"bp":       entryOf(t, KindVital, map[string]string{"type": "blood-pressure", "date": "2024-02-01", "systolic": "130", "diastolic": "85"}),
		"visit":    entryOf(t, KindVisit, map[string]string{"date": "2024-01-09", "provider": "Dr. Émile Dubois", "reason": "Diabetes follow-up"}),
		"metf":     entryOf(t, KindMedication, map[string]string{"name": "Metformin", "dose": "500 mg", "start": "2020-01-01"}),
		"amox":     entryOf(t, KindMedication, map[string]string{"name": "Amoxicillin", "start": "2023-01-01", "stop": "2023-01-10", "status": "completed"}),
		"diab":     entryOf(t, KindCondition, map[string]string{"name": "Type 2 diabetes", "onset": "2019"}),
		"flu":      entryOf(t, KindCondition, map[string]string{"name": "Influenza", "onset": "2022-01", "status": "resolved"}),
		"peanut":   entryOf(t, KindAllergy, map[string]string{"substance": "Peanuts", "reaction": "Anaphylaxis", "severity": "severe"}),
		"tdap":     entryOf(t, KindImmunization, map[string]string{"vaccine": "Tdap", "date": "2021-05-05"}),
		"doc":      entryOf(t, KindCareTeam, map[string]string{"name": "Dr. Émile Dubois", "role": "Endocrinologist", "phone": "555-0100"}),
		"sis":      entryOf(t, KindEmergencyContact, map[string]string{"name": "María López", "relationship": "Sister", "phone": "555-0101"}),
		"ins":      entryOf(t, KindInsurance, map[string]string{"payer": "Acme Health", "member": "XYZ123"}),
		"old-ins":  entryOf(t, KindInsurance, map[string]string{"payer": "Old Insurer", "end": "2020-01-01"}),
		"otherpro": entryOf(t, KindLab, map[string]string{"test": "Hemoglobin A1c", "date": "2024-01-10", "value": "5.0"}),
	}
	o := es["otherpro"]
	o.Profile = "prof-2"
	es["otherpro"] = o
	m := es["metf"]
	m.Notes = []Note{{ID: "n1", Text: "Take with breakfast"}}
	es["metf"] = m
	g := es["glucose"]
	g.Flag = &ErrorFlag{Note: "I was not fasting", Status: "open", Created: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)}
	es["glucose"] = g
	for _, k := range slices.Sorted(maps.Keys(es)) {
		if err := b.Add(es[k]); err != nil {
			t.Fatal(err)
		}
	}
	return b, es
}

func ids(list []Entry, es map[string]Entry) []string {
	names := map[string]string{}
	for k, e := range es {
		names[e.ID] = k
	}
	var out []string
	for _, e := range list {
		out = append(out, names[e.ID])
	}
	return out
}

func TestTimeline(t *testing.T) {
	b, es := testBook(t)
	page, total := b.Timeline(Filter{Profile: "prof-1", Kinds: []Kind{KindLab}}, 0, 2)
	if total != 4 || !slices.Equal(ids(page, es), []string{"a1c-new", "glucose"}) && !slices.Equal(ids(page, es), []string{"glucose", "a1c-new"}) {
		t.Fatalf("page 1: %v of %d", ids(page, es), total)
	}
	page, _ = b.Timeline(Filter{Profile: "prof-1", Kinds: []Kind{KindLab}}, 2, 2)
	if !slices.Equal(ids(page, es), []string{"a1c-mid", "a1c-old"}) {
		t.Fatalf("page 2: %v", ids(page, es))
	}
	page, total = b.Timeline(Filter{Profile: "prof-1", From: day("2024-01-01"), To: day("2024-01-31")}, 0, 0)
	if total != 3 || ids(page, es)[2] != "visit" {
		t.Fatalf("range: %v", ids(page, es))
	}
	if page, _ := b.Timeline(Filter{Profile: "prof-1", From: day("2024-01-10")}, 0, 0); len(page) != 3 || ids(page, es)[0] != "bp" {
		t.Fatalf("from: %v", ids(page, es))
	}
	if page, _ := b.Timeline(Filter{Profile: "prof-1", To: day("2019-12-31")}, 0, 0); !slices.Equal(ids(page, es), []string{"diab"}) {
		t.Fatalf("to: %v", ids(page, es))
	}
	all, total := b.Timeline(Filter{Profile: "prof-1"}, 0, 0)
	if total != len(es)-1 || len(all) != total {
		t.Fatalf("all: %d", total)
	}
	for i := 1; i < len(all); i++ {
		if !all[i].Date.IsZero() && all[i].Date.After(all[i-1].Date) || all[i-1].Date.IsZero() && !all[i].Date.IsZero() {
			t.Fatalf("not newest first at %d", i)
		}
	}
}

func TestSearch(t *testing.T) {
	b, es := testBook(t)
	for _, tc := range []struct {
		q    string
		want []string // in order, when len > 0; nil means no hits
		any  bool     // want only contains, any order
	}{
		{"emile", []string{"doc", "visit"}, true},
		{"ÉMILE dub", []string{"doc", "visit"}, true},
		{"metf", []string{"metf"}, false},
		{"breakfast", []string{"metf"}, false},           // personal note
		{"fasting", []string{"glucose"}, false},          // error flag
		{"4548-4", []string{"a1c-new", "a1c-old"}, true}, // LOINC code from the lab table
		{"alergia", []string{"peanut"}, false},           // kind name in Spanish
		{"anaphyl", []string{"peanut"}, false},
		{"diabetes", []string{"visit", "diab"}, false}, // both titles: newest first
		{"dubois", []string{"doc", "visit"}, false},    // title before provider
		{"zzz", nil, false},
		{"", nil, false},
	} {
		hits := b.Search("prof-1", tc.q)
		var got []string
		for _, h := range hits {
			got = append(got, ids([]Entry{h.Entry}, es)...)
		}
		if tc.any {
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("Search(%q) = %v, want %v among them", tc.q, got, w)
				}
			}
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Search(%q) = %v, want %v", tc.q, got, tc.want)
		}
	}
	if hits := b.Search("prof-2", "a1c"); len(hits) != 1 {
		t.Errorf("other profile: %d hits", len(hits))
	}
}

func TestSummary(t *testing.T) {
	b, es := testBook(t)
	s := b.SummaryAt("prof-1", day("2024-06-01"))
	check := func(name string, got []Entry, want ...string) {
		t.Helper()
		g := ids(got, es)
		slices.Sort(g)
		slices.Sort(want)
		if !slices.Equal(g, want) {
			t.Errorf("%s = %v, want %v", name, g, want)
		}
	}
	check("conditions", s.Conditions, "diab")
	check("medications", s.Medications, "metf")
	check("allergies", s.Allergies, "peanut")
	check("immunizations", s.Immunizations, "tdap")
	check("labs", s.Labs, "a1c-new", "glucose") // latest per test (the three A1c share LOINC 4548-4)
	check("vitals", s.Vitals, "bp")
	check("care team", s.CareTeam, "doc")
	check("contacts", s.EmergencyContacts, "sis")
	check("insurance", s.Insurance, "ins")
}

func TestTrend(t *testing.T) {
	b, es := testBook(t)
	tr := b.Trend("prof-1", TrendKey(es["a1c-new"]))
	if len(tr.Points) != 3 || tr.Points[0].Value != 7.9 || tr.Points[2].Value != 6.1 || tr.Unit != "%" {
		t.Fatalf("trend %+v", tr)
	}
	if tr.RefLow == nil || *tr.RefLow != 4 || *tr.RefHigh != 5.6 {
		t.Fatalf("range %v %v", tr.RefLow, tr.RefHigh)
	}
	if tr := b.Trend("prof-1", "GLUCOSE"); len(tr.Points) != 1 {
		t.Fatalf("by title: %+v", tr)
	}
}

func TestFlaggedAndCounts(t *testing.T) {
	b, es := testBook(t)
	if got := ids(b.Flagged("prof-1"), es); !slices.Equal(got, []string{"glucose"}) {
		t.Errorf("Flagged = %v", got)
	}
	c := b.KindCounts("prof-1")
	if c[KindLab] != 4 || c[KindMedication] != 2 || c[KindInsurance] != 2 {
		t.Errorf("counts %v", c)
	}
}

func TestDeleteUndo(t *testing.T) {
	b, es := testBook(t)
	id := es["peanut"].ID
	now := time.Date(2025, 2, 2, 0, 0, 0, 0, time.UTC)
	e, err := b.Delete(id, now)
	if err != nil || !e.Deleted.Equal(now) {
		t.Fatal(err)
	}
	if len(b.Search("prof-1", "peanuts")) != 0 || len(b.Summary("prof-1").Allergies) != 0 {
		t.Fatal("deleted entry still visible")
	}
	if tr := b.Trash("prof-1"); len(tr) != 1 || tr[0].ID != id {
		t.Fatal("trash")
	}
	// A re-import does not bring a deleted entry back.
	if added, skipped := b.Merge([]Entry{es["peanut"]}); len(added) != 0 || skipped != 1 {
		t.Fatalf("merge of deleted: %d added", len(added))
	}
	if _, err := b.Undo(id); err != nil {
		t.Fatal(err)
	}
	if len(b.Search("prof-1", "peanuts")) != 1 {
		t.Fatal("undo")
	}
	if err := b.Purge(id); err != nil {
		t.Fatal(err)
	}
	if _, ok := b.Get(id); ok {
		t.Fatal("purge")
	}
	if _, err := b.Undo(id); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
}

func TestUpdate(t *testing.T) {
	b, es := testBook(t)
	e := es["metf"]
	e.Title = "Metformin XR"
	if err := b.Update(e); err != nil {
		t.Fatal(err)
	}
	if len(b.Search("prof-1", "xr")) != 1 {
		t.Fatal("update not indexed")
	}
	if err := b.Update(Entry{ID: "nope", Profile: "x"}); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	if err := b.Add(e); !errors.Is(err, ErrExists) {
		t.Fatal(err)
	}
	// The book keeps its own copy.
	got, _ := b.Get(e.ID)
	got.Notes[0].Text = "changed"
	again, _ := b.Get(e.ID)
	if again.Notes[0].Text == "changed" {
		t.Fatal("Get returned shared slices")
	}
}

func TestMergeDedup(t *testing.T) {
	r1, r2 := loadFixture(t, "lab"), loadFixture(t, "condition")
	mk := func(r Entry) Entry { return r }
	p1, _ := Project(r1)
	p2, _ := Project(r2)
	batch := []Entry{
		mk(Entry{Profile: "prof-1", Resource: r1, Projection: p1, Provenance: Provenance{Source: "fhir", File: "a.json"}}),
		mk(Entry{Profile: "prof-1", Resource: r2, Projection: p2, Provenance: Provenance{Source: "fhir", File: "a.json"}}),
		mk(Entry{Profile: "prof-1", Resource: r1, Projection: p1, Provenance: Provenance{Source: "fhir", File: "a.json"}}), // duplicate in the batch
	}
	b := NewBook()
	added, skipped := b.Merge(batch)
	if len(added) != 2 || skipped != 1 || added[0].ID == "" || added[0].Identity == "" {
		t.Fatalf("first import: %d added %d skipped", len(added), skipped)
	}
	// The same file again (from another file name) adds nothing; another profile is separate.
	batch[0].Provenance.File, batch[1].Provenance.File = "b.json", "b.json"
	if added, skipped := b.Merge(batch); len(added) != 0 || skipped != 3 {
		t.Fatalf("re-import: %d added %d skipped", len(added), skipped)
	}
	other := batch[0]
	other.Profile = "prof-2"
	if added, _ := b.Merge([]Entry{other}); len(added) != 1 {
		t.Fatal("other profile deduplicated")
	}
}

func TestIdentity(t *testing.T) {
	withIdent := []byte(`{"resourceType":"Observation","id":"a","identifier":[{"system":"urn:lab","value":"123"}]}`)
	sameIdent := []byte(`{"resourceType":"Observation","id":"b","identifier":[{"system":"urn:lab","value":"123"}],"status":"amended"}`)
	noID1 := []byte(`{"resourceType":"Observation","code":{"text":"Glucose"},"effectiveDateTime":"2024-01-01","valueQuantity":{"value":90}}`)
	noID2 := []byte(`{"status":"final","resourceType":"Observation","code":{"text":"Glucose"},"effectiveDateTime":"2024-01-01","valueQuantity":{"value":90}}`)
	noID3 := []byte(`{"resourceType":"Observation","code":{"text":"Glucose"},"effectiveDateTime":"2024-01-01","valueQuantity":{"value":91}}`)
	id := func(b []byte, sys string) string {
		return Identity(mustParse(t, b), Provenance{System: sys})
	}
	if id(withIdent, "") != id(sameIdent, "other") {
		t.Error("business identifier ignored")
	}
	if id(noID1, "") != id(noID2, "") || id(noID1, "") == id(noID3, "") {
		t.Error("content hash")
	}
	r := loadFixture(t, "condition")
	if id(r.JSON, "sysA") == id(r.JSON, "sysB") || id(r.JSON, "") != id(r.JSON, "") {
		t.Error("logical id with source system")
	}
	if s := id(withIdent, ""); !strings.HasPrefix(s, "v1-") || len(s) != 25 {
		t.Errorf("identity %q", s)
	}
}

func TestProfilesFilesQuestions(t *testing.T) {
	b, es := testBook(t)
	b.PutProfile(Profile{ID: "prof-2", Name: "Kid", Created: day("2024-02-01")})
	b.PutProfile(testProfile)
	if ps := b.Profiles(); len(ps) != 2 || ps[0].ID != "prof-1" {
		t.Fatalf("profiles %v", ps)
	}
	b.PutFile(FileInfo{ID: "f1", Profile: "prof-1", Name: "x.pdf"})
	e := es["doc"]
	e.Files = []string{"f1"}
	b.Update(e)
	if changed := b.DeleteFile("f1"); len(changed) != 1 || len(changed[0].Files) != 0 {
		t.Fatal("DeleteFile")
	}
	b.PutQuestion(Question{ID: "q1", Profile: "prof-1", Text: "Dose?", Done: true})
	b.PutQuestion(Question{ID: "q2", Profile: "prof-1", Text: "Side effects?"})
	if qs := b.Questions("prof-1"); len(qs) != 2 || qs[0].ID != "q2" {
		t.Fatal("questions order")
	}
	b.DeleteProfile("prof-2")
	if b.Len("prof-2") != 0 || b.Len("") != len(es)-1 {
		t.Fatal("DeleteProfile")
	}
}

// Entries changed or removed before the lazy index is built are indexed right.
func TestLazyIndex(t *testing.T) {
	b := NewBook()
	a := entryOf(t, KindCondition, map[string]string{"name": "Asthma"})
	c := entryOf(t, KindCondition, map[string]string{"name": "Gout"})
	b.Add(a)
	b.Add(c)
	b.Purge(a.ID)
	c.Title = "Gout, left toe"
	b.Update(c)
	if len(b.Search("prof-1", "asthma")) != 0 || len(b.Search("prof-1", "toe")) != 1 {
		t.Fatal("lazy index out of date")
	}
	b.Purge(c.ID) // now indexed: removed from postings
	b.Warm()
	if len(b.Search("prof-1", "gout")) != 0 || len(b.idx.post) != 0 {
		t.Fatalf("postings left: %d", len(b.idx.post))
	}
}
