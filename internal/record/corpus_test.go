package record

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"backpack/internal/fhir"
)

// corpusDir finds the shared sample records (BACKPACK_CORPUS, or shared/
// beside the repository), or skips.
func corpusDir(t *testing.T, sub string) string {
	t.Helper()
	for _, d := range []string{os.Getenv("BACKPACK_CORPUS"), "../../../shared/corpus", "/work/shared/corpus"} {
		if d == "" {
			continue
		}
		if st, err := os.Stat(filepath.Join(d, sub)); err == nil && st.IsDir() {
			return filepath.Join(d, sub)
		}
	}
	t.Skip("sample corpus not present")
	return ""
}

// wantKind is the kind each resource of the corpus must project to.
func wantKind(m map[string]any) (Kind, bool) {
	switch m["resourceType"] {
	case "Encounter":
		return KindVisit, true
	case "Condition":
		return KindCondition, true
	case "AllergyIntolerance":
		return KindAllergy, true
	case "MedicationRequest", "MedicationStatement":
		return KindMedication, true
	case "Immunization":
		return KindImmunization, true
	case "Procedure":
		return KindProcedure, true
	case "ImagingStudy":
		return KindImaging, true
	case "CarePlan", "Goal":
		return KindCarePlan, true
	case "Claim", "ExplanationOfBenefit", "ClaimResponse", "Invoice", "Account", "PaymentNotice":
		return KindBilling, true
	case "Practitioner", "Organization", "PractitionerRole":
		return KindCareTeam, true
	case "Observation":
		for _, c := range arr(m, "category") {
			switch {
			case conceptHas(c, "laboratory"):
				return KindLab, true
			case conceptHas(c, "vital-signs"):
				return KindVital, true
			}
		}
	}
	return "", false
}

func checkResource(t *testing.T, raw json.RawMessage, where string, stats map[Kind]int) (Entry, bool) {
	t.Helper()
	r, err := fhir.Parse(raw)
	if err != nil {
		t.Errorf("%s: %v", where, err)
		return Entry{}, false
	}
	p, err := Project(r)
	if errors.Is(err, ErrPatientResource) {
		if _, err := ProfileFromPatient(r); err != nil {
			t.Errorf("%s: ProfileFromPatient: %v", where, err)
		}
		return Entry{}, false
	}
	if err != nil {
		t.Errorf("%s: %v", where, err)
		return Entry{}, false
	}
	stats[p.Kind]++
	var m map[string]any
	json.Unmarshal(raw, &m)
	if k, ok := wantKind(m); ok && k != p.Kind {
		t.Errorf("%s: %s projects to %s, want %s", where, r.Type, p.Kind, k)
	}
	if p.Title == "" {
		t.Errorf("%s: %s has no title", where, r.Type)
	}
	switch p.Kind {
	case KindVisit, KindLab, KindVital, KindImmunization, KindProcedure:
		if p.Date.IsZero() {
			t.Errorf("%s: %s has no date", where, r.Type)
		}
	}
	if p.Kind == KindLab && p.Value == nil && p.Text == "" {
		t.Errorf("%s: lab without value", where)
	}
	e := Entry{ID: NewID(), Profile: "corpus", Resource: r, Projection: p, Provenance: Provenance{Source: "fhir"}}
	e.Identity = Identity(r, e.Provenance)
	// Editing through a form without changes keeps the resource byte for byte.
	if f, err := FormFrom(e); err == nil {
		if out, err := f.Build(testProfile, &r); err == nil && string(out.JSON) != string(r.JSON) {
			t.Errorf("%s: unchanged form rewrote %s", where, r.Type)
		}
	}
	return e, true
}

func TestCorpusFHIRBundles(t *testing.T) {
	dir := corpusDir(t, "fhir-r4")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(files) == 0 {
		t.Skip("no bundles")
	}
	stats := map[Kind]int{}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var bundle struct {
			Entry []struct {
				Resource json.RawMessage `json:"resource"`
			} `json:"entry"`
		}
		if err := json.Unmarshal(b, &bundle); err != nil {
			t.Fatal(err)
		}
		book := NewBook()
		var entries []Entry
		for i, be := range bundle.Entry {
			if e, ok := checkResource(t, be.Resource, filepath.Base(name)+" entry "+itoa(i), stats); ok {
				entries = append(entries, e)
			}
		}
		added, skipped := book.Merge(entries)
		if again, _ := book.Merge(entries); len(again) != 0 || skipped != 0 || len(added) != len(entries) {
			t.Errorf("%s: merge %d/%d, re-import added %d", filepath.Base(name), len(added), len(entries), len(again))
		}
		s := book.Summary("corpus")
		if len(s.Labs)+len(s.Conditions)+len(s.Immunizations) == 0 {
			t.Errorf("%s: empty summary", filepath.Base(name))
		}
	}
	t.Logf("kinds: %v", stats)
}

func TestCorpusNDJSON(t *testing.T) {
	dir := corpusDir(t, "ndjson")
	files, _ := filepath.Glob(filepath.Join(dir, "*.ndjson"))
	stats := map[Kind]int{}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 16<<20)
		for line := 1; sc.Scan(); line++ {
			if len(sc.Bytes()) > 0 {
				checkResource(t, append(json.RawMessage(nil), sc.Bytes()...), filepath.Base(name)+" line "+itoa(line), stats)
			}
		}
		f.Close()
	}
	t.Logf("kinds: %v", stats)
}

// The long merged history: 9,290 resources of one person.
func TestCorpusLongHistory(t *testing.T) {
	dir := corpusDir(t, "large")
	f, err := os.Open(filepath.Join(dir, "long-history.json.gz"))
	if err != nil {
		t.Skip("no long history")
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var bundle struct {
		Entry []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(b, &bundle); err != nil {
		t.Fatal(err)
	}
	stats := map[Kind]int{}
	start := time.Now()
	var entries []Entry
	for i, be := range bundle.Entry {
		if e, ok := checkResource(t, be.Resource, "long history entry "+itoa(i), stats); ok {
			entries = append(entries, e)
		}
	}
	projected := time.Since(start)
	book := NewBook()
	start = time.Now()
	added, skipped := book.Merge(entries)
	merged := time.Since(start)
	start = time.Now()
	hits := book.Search("corpus", "hemoglobin")
	searched := time.Since(start)
	start = time.Now()
	s := book.Summary("corpus")
	summarized := time.Since(start)
	t.Logf("%d resources: project+check %v, merge %v (%d shared practitioners/organizations skipped), search %v (%d hits), summary %v (%d labs); kinds %v",
		len(bundle.Entry), projected, merged, skipped, searched, len(hits), summarized, len(s.Labs), stats)
	// Billing (1,305 claims and 1,143 explanations of benefit, of the 2,480
	// entries that were "other") is a kind of its own (checkResource holds
	// each to it) and stays out of the timeline by default.
	if stats[KindBilling] != 2448 {
		t.Errorf("billing %d, want 2448", stats[KindBilling])
	}
	if _, n := book.Timeline(Filter{Profile: "corpus", Hide: HiddenKinds}, 0, 1); n != len(added)-stats[KindBilling] {
		t.Errorf("timeline without billing: %d entries, want %d", n, len(added)-stats[KindBilling])
	}
	if len(added)+skipped != len(entries) || skipped > len(entries)/100 || len(hits) == 0 {
		t.Errorf("added %d of %d, %d hits", len(added), len(entries), len(hits))
	}
}
