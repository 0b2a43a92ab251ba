package export

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"backpack/internal/fhir"
	"backpack/internal/i18n"
	"backpack/internal/record"
)

type ipsDoc struct {
	ResourceType string
	Type         string
	Timestamp    string
	Identifier   struct{ System, Value string }
	Entry        []struct {
		FullURL  string         `json:"fullUrl"`
		Resource map[string]any `json:"resource"`
	}
}

// checkIPS validates the structure IPS requires and returns the sections
// by LOINC code.
func checkIPS(t *testing.T, r fhir.Resource) (ipsDoc, map[string]map[string]any) {
	t.Helper()
	var doc ipsDoc
	if err := json.Unmarshal(r.JSON, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.ResourceType != "Bundle" || doc.Type != "document" || doc.Timestamp == "" ||
		doc.Identifier.System != "urn:ietf:rfc:3986" || !strings.HasPrefix(doc.Identifier.Value, "urn:uuid:") {
		t.Fatalf("bundle head: %+v", doc)
	}
	if len(doc.Entry) < 2 || doc.Entry[0].Resource["resourceType"] != "Composition" {
		t.Fatal("Composition is not first")
	}
	urls := map[string]string{}
	for _, e := range doc.Entry {
		if !strings.HasPrefix(e.FullURL, "urn:uuid:") {
			t.Errorf("fullUrl %q", e.FullURL)
		}
		if _, dup := urls[e.FullURL]; dup {
			t.Errorf("duplicate fullUrl %s", e.FullURL)
		}
		urls[e.FullURL], _ = e.Resource["resourceType"].(string)
		if id, _ := e.Resource["id"].(string); "urn:uuid:"+id != e.FullURL {
			t.Errorf("id %q does not match fullUrl %s", id, e.FullURL)
		}
	}
	// Every reference resolves inside the bundle.
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["reference"].(string); ok && !strings.HasPrefix(ref, "#") {
				if _, ok := urls[ref]; !ok {
					t.Errorf("%s: reference %q does not resolve", path, ref)
				}
			}
			for k, c := range v {
				walk(path+"."+k, c)
			}
		case []any:
			for _, c := range v {
				walk(path+"[]", c)
			}
		}
	}
	for _, e := range doc.Entry {
		walk(e.Resource["resourceType"].(string), e.Resource)
	}

	comp := doc.Entry[0].Resource
	code := comp["type"].(map[string]any)["coding"].([]any)[0].(map[string]any)
	if code["system"] != "http://loinc.org" || code["code"] != LOINCPatientSummary {
		t.Errorf("composition type %v", code)
	}
	subj := comp["subject"].(map[string]any)["reference"].(string)
	if urls[subj] != "Patient" {
		t.Errorf("subject %s is %q", subj, urls[subj])
	}
	for _, k := range []string{"status", "date", "title", "author"} {
		if comp[k] == nil {
			t.Errorf("composition lacks %s", k)
		}
	}
	sections := map[string]map[string]any{}
	for _, s := range comp["section"].([]any) {
		s := s.(map[string]any)
		c := s["code"].(map[string]any)["coding"].([]any)[0].(map[string]any)
		if c["system"] != "http://loinc.org" {
			t.Errorf("section system %v", c["system"])
		}
		sections[c["code"].(string)] = s
		div, _ := s["text"].(map[string]any)["div"].(string)
		if !strings.HasPrefix(div, `<div xmlns="http://www.w3.org/1999/xhtml">`) || s["title"] == nil {
			t.Errorf("section %s lacks title or narrative", c["code"])
		}
		if (s["entry"] == nil) == (s["emptyReason"] == nil) {
			t.Errorf("section %s needs exactly one of entry and emptyReason", c["code"])
		}
	}
	for _, req := range []string{LOINCProblems, LOINCMedications, LOINCAllergies} {
		if sections[req] == nil {
			t.Errorf("required section %s missing", req)
		}
	}
	return doc, sections
}

func sectionRefs(doc ipsDoc, s map[string]any) []string {
	byURL := map[string]map[string]any{}
	for _, e := range doc.Entry {
		byURL[e.FullURL] = e.Resource
	}
	var ids []string
	entries, _ := s["entry"].([]any)
	for _, e := range entries {
		r := byURL[e.(map[string]any)["reference"].(string)]
		ids = append(ids, r["resourceType"].(string))
	}
	return ids
}

func TestIPS(t *testing.T) {
	d, _ := sample(t)
	r, err := IPS(d, "p1", t0)
	if err != nil {
		t.Fatal(err)
	}
	if r.Type != "Bundle" || r.ID == "" {
		t.Errorf("resource %q %q", r.Type, r.ID)
	}
	doc, secs := checkIPS(t, r)
	for code, want := range map[string][]string{
		LOINCProblems:      {"Condition"},
		LOINCPastIllness:   {"Condition"},
		LOINCMedications:   {"MedicationStatement"},
		LOINCAllergies:     {"AllergyIntolerance"},
		LOINCImmunizations: {"Immunization"},
		LOINCResults:       {"Observation"}, // only the latest HbA1c; the entered-in-error one is left out
		LOINCVitalSigns:    {"Observation"},
	} {
		if got := sectionRefs(doc, secs[code]); !slices.Equal(got, want) {
			t.Errorf("section %s: %v, want %v", code, got, want)
		}
	}
	if !strings.Contains(string(r.JSON), "6.8") || strings.Contains(string(r.JSON), `"value":7.9`) {
		t.Error("results should hold the latest HbA1c only")
	}
	// The medication, practitioner and organization it references came along;
	// the encounter did not and kept a display instead.
	var types []string
	for _, e := range doc.Entry {
		types = append(types, e.Resource["resourceType"].(string))
	}
	for _, want := range []string{"Medication", "Practitioner", "Organization", "Patient"} {
		if !slices.Contains(types, want) {
			t.Errorf("%s not pulled in: %v", want, types)
		}
	}
	if slices.Contains(types, "Encounter") {
		t.Errorf("encounter pulled in: %v", types)
	}
	// The source Patient's resource is used, with its name.
	if !strings.Contains(string(r.JSON), `"family":"Garcia"`) {
		t.Error("profile's Patient not used")
	}

	// A profile with nothing: required sections say so.
	r, err = IPS(d, "p2", t0)
	if err != nil {
		t.Fatal(err)
	}
	_, secs = checkIPS(t, r)
	for _, code := range []string{LOINCProblems, LOINCMedications, LOINCAllergies} {
		if secs[code]["emptyReason"] == nil {
			t.Errorf("section %s: no emptyReason", code)
		}
	}
	if secs[LOINCImmunizations] == nil || secs[LOINCResults] != nil {
		t.Errorf("optional sections: %v", secs)
	}
	if _, err := IPS(d, "nobody", t0); err != ErrNoProfile {
		t.Errorf("unknown profile: %v", err)
	}
}

func TestHTMLSummary(t *testing.T) {
	d, _ := sample(t)
	for _, lang := range i18n.Langs {
		var b bytes.Buffer
		if err := HTMLSummary(&b, d, Selection{}, lang); err != nil {
			t.Fatal(err)
		}
		h := b.String()
		for _, bad := range []string{"<script", "src=", "href=", "http://", "https://", "url(", "@import", "<allergy>", "<b>diet"} {
			if strings.Contains(h, bad) {
				t.Errorf("%s: summary contains %q", lang, bad)
			}
		}
		for _, want := range []string{
			`<html lang="` + string(lang) + `">`, "@media print", "<style>",
			"Penicillin &lt;allergy&gt; &amp; &#34;rash&#34;", "Ask about &lt;b&gt;diet&lt;/b&gt; plan",
			"Maria Garcia", "Leo Garcia", "Type 2 diabetes mellitus", "Metformin 500 mg", "Influenza vaccine",
			"6.8 %", "4–5.6 %", `<span class="mark">` + i18n.In(lang, "record.flag.high") + `</span>`, "Value looks like another patient&#39;s",
			"Dr. Ana Rivera", "Luis Garcia", "Can I stop metformin?", "Annual check-up", "letter.pdf",
			i18n.In(lang, "export.sec.allergies"), i18n.In(lang, "export.summary.footer")[:20],
		} {
			if !strings.Contains(h, want) {
				t.Errorf("%s: summary lacks %q", lang, want)
			}
		}
		for _, gone := range []string{"Potassium", "7.9 %", "Old question"} {
			if strings.Contains(h, gone) {
				t.Errorf("%s: summary shows %q", lang, gone)
			}
		}
	}
}

// The long Synthea history from the shared corpus: export and restore it,
// and build an IPS whose references all resolve.
func TestCorpusLongHistory(t *testing.T) {
	d := corpusData(t)
	pass := "corpus-test"
	out := export(t, d, Selection{IncludeSummary: true, IncludeIPS: true}, MemFiles{}, passphrase(t, pass))
	a, err := Read(context.Background(), bytes.NewReader(out), PassphraseIdentity(pass), nil)
	if err != nil {
		t.Fatal(err)
	}
	sameData(t, d, a.Data)
	r, err := IPS(d, d.Profiles[0].ID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	_, secs := checkIPS(t, r)
	if secs[LOINCProblems]["entry"] == nil || secs[LOINCResults]["entry"] == nil {
		t.Error("long history has problems and results")
	}
	t.Logf("%d entries, export %d bytes, IPS %d bytes", len(d.Entries), len(out), len(r.JSON))
}

// corpusData loads large/long-history.json.gz as one profile with rough
// projections, or skips.
func corpusData(t testing.TB) Data {
	f, err := os.Open("../../../shared/corpus/large/long-history.json.gz")
	if err != nil {
		t.Skip("corpus not present")
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		Entry []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]record.Kind{
		"Condition": record.KindCondition, "MedicationRequest": record.KindMedication, "AllergyIntolerance": record.KindAllergy,
		"Immunization": record.KindImmunization, "Encounter": record.KindVisit, "Procedure": record.KindProcedure,
		"Practitioner": record.KindCareTeam, "Organization": record.KindCareTeam,
	}
	var d Data
	for i, e := range b.Entry {
		res, err := fhir.Parse(e.Resource)
		if err != nil {
			t.Fatal(err)
		}
		if res.Type == "Patient" {
			if d.Profiles == nil {
				d.Profiles = []record.Profile{{ID: "me", Name: "Synthea person", Patient: res, Created: t0}}
			}
			continue
		}
		var head struct {
			Status   string
			Category []struct{ Coding []struct{ Code string } }
			Code     struct {
				Text   string
				Coding []record.Code
			}
			ClinicalStatus struct{ Coding []struct{ Code string } }
			Effective      string `json:"effectiveDateTime"`
			Value          *struct {
				Value *float64
				Unit  string
			} `json:"valueQuantity"`
		}
		json.Unmarshal(e.Resource, &head)
		k, ok := kinds[res.Type]
		if !ok {
			k = record.KindOther
		}
		if res.Type == "Observation" {
			k = record.KindLab
			if len(head.Category) > 0 && len(head.Category[0].Coding) > 0 && head.Category[0].Coding[0].Code == "vital-signs" {
				k = record.KindVital
			}
		}
		p := record.Projection{Kind: k, Title: head.Code.Text, Codes: head.Code.Coding, Status: head.Status}
		if len(head.ClinicalStatus.Coding) > 0 {
			p.Status = head.ClinicalStatus.Coding[0].Code
		}
		if ts, err := time.Parse(time.RFC3339, head.Effective); err == nil {
			p.Date = ts.UTC()
		}
		if head.Value != nil {
			p.Value, p.Unit = head.Value.Value, head.Value.Unit
		}
		d.Entries = append(d.Entries, record.Entry{ID: "c" + itoa(i), Profile: "me", Resource: res, Projection: p,
			Provenance: record.Provenance{Source: "fhir", File: "long-history.json"}, Created: t0, Updated: t0})
	}
	if d.Profiles == nil {
		t.Fatal("no Patient in corpus bundle")
	}
	return d
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
