package ui

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/fhir"
	"backpack/internal/i18n"
	"backpack/internal/record"
	"backpack/internal/session"
	"backpack/internal/vault"
)

// Fixtures: one of each kind the summary, the card and the letter show.
var summaryFixtures = map[string]string{
	"allergy": `{"resourceType":"AllergyIntolerance","clinicalStatus":{"coding":[{"code":"active"}]},
		"code":{"text":"Penicillin"},"criticality":"high",
		"reaction":[{"manifestation":[{"text":"Anaphylaxis"}],"severity":"severe"}]}`,
	"condition": `{"resourceType":"Condition","clinicalStatus":{"coding":[{"code":"active"}]},
		"code":{"text":"Type 2 diabetes"},"onsetDateTime":"2019-05-01"}`,
	"medication": `{"resourceType":"MedicationStatement","status":"active",
		"medicationCodeableConcept":{"text":"Metformin 500 mg"},"effectiveDateTime":"2020-01-01"}`,
	"lab": `{"resourceType":"Observation","status":"final",
		"category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],
		"code":{"coding":[{"system":"http://loinc.org","code":"4548-4","display":"Hemoglobin A1c"}]},
		"effectiveDateTime":"2024-03-02","valueQuantity":{"value":7.2,"unit":"%"},
		"referenceRange":[{"low":{"value":4},"high":{"value":5.6}}]}`,
	"blood": `{"resourceType":"Observation","status":"final",
		"category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],
		"code":{"coding":[{"system":"http://loinc.org","code":"882-1","display":"ABO and Rh group"}]},
		"effectiveDateTime":"2010-01-01","valueCodeableConcept":{"text":"O Rh negative"}}`,
	"contact": `{"resourceType":"RelatedPerson","name":[{"text":"Luis Pérez"}],
		"relationship":[{"text":"Brother"}],"telecom":[{"system":"phone","value":"+1 555 010 2030"}]}`,
	"careteam": `{"resourceType":"Practitioner","name":[{"text":"Dr. Jane Roe"}],
		"telecom":[{"system":"phone","value":"555-0199"}]}`,
}

// testSession unlocks a fresh in-memory vault with one profile and installs
// it as the app's session.
func testSession(t testing.TB) (*session.Session, record.Profile) {
	t.Helper()
	ctx := context.Background()
	s, _, err := session.Create(ctx, vault.NewMemStore(), "correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.SaveProfile(ctx, record.Profile{Name: "Ana Pérez", BirthDate: "1980-02-03", Relationship: "self"})
	if err != nil {
		t.Fatal(err)
	}
	setSession(s)
	t.Cleanup(func() { setSession(nil) })
	return s, p
}

func addFixtures(t testing.TB, s *session.Session, p record.Profile) map[string]record.Entry {
	t.Helper()
	return saveFixtures(t, s, p, summaryFixtures)
}

// saveFixtures saves FHIR resources (by name) as entries of p.
func saveFixtures(t testing.TB, s *session.Session, p record.Profile, fixtures map[string]string) map[string]record.Entry {
	t.Helper()
	out := map[string]record.Entry{}
	for name, js := range fixtures {
		r, err := fhir.Parse([]byte(js))
		if err != nil {
			t.Fatal(name, err)
		}
		e, err := s.SaveEntry(context.Background(), record.Entry{Profile: p.ID, Resource: r})
		if err != nil {
			t.Fatal(name, err)
		}
		out[name] = e
	}
	return out
}

func mustContain(t *testing.T, html string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(html, p) {
			t.Errorf("page lacks %q", p)
		}
	}
}

var langMu sync.Mutex

func TestSummaryPage(t *testing.T) {
	langMu.Lock()
	defer langMu.Unlock()
	i18n.SetLang(i18n.English)
	s, p := testSession(t)

	page := &SummaryPage{}
	page.load()
	html := app.HTMLString(page.Render())
	mustContain(t, html, `id="summary-empty"`, "Nothing here yet for Ana Pérez", `href="/import"`)

	es := addFixtures(t, s, p)
	page.load()
	html = app.HTMLString(page.Render())
	mustContain(t, html,
		"Ana Pérez — health summary", "Born 1980-02-03",
		`id="sum-allergies"`, "Penicillin", "High risk", "Anaphylaxis",
		"Type 2 diabetes", "Metformin 500 mg",
		"Hemoglobin A1c", "7.2 %", "4–5.6", `class="badge high result-flag"`, ">High<",
		`href="tel:+15550102030"`, "Dr. Jane Roe", `href="tel:5550199"`,
		`href="/entry/`+es["allergy"].ID+`"`, `href="/emergency"`,
	)
	if strings.Contains(html, `id="summary-empty"`) {
		t.Error("empty state shown with entries")
	}
}

func TestEmergencyPage(t *testing.T) {
	langMu.Lock()
	defer langMu.Unlock()
	i18n.SetLang(i18n.English)
	s, p := testSession(t)
	addFixtures(t, s, p)
	page := &EmergencyPage{}
	// OnNav needs a context only for requireSession's redirect; with a
	// session it just loads.
	page.OnNav(app.Context{})
	html := app.HTMLString(page.Render())
	mustContain(t, html, `id="emergency-card"`, "card emergency", "Ana Pérez", "1980-02-03",
		"Penicillin", "High risk", "Type 2 diabetes", "Metformin 500 mg", "Luis Pérez", "Brother",
		`href="tel:+15550102030"`, `id="ecard-blood"`, "O Rh negative")
}

func TestFlagsPage(t *testing.T) {
	langMu.Lock()
	defer langMu.Unlock()
	i18n.SetLang(i18n.Spanish)
	defer i18n.SetLang(i18n.English)
	s, p := testSession(t)
	es := addFixtures(t, s, p)
	ctx := context.Background()
	if err := s.SetFlag(ctx, es["medication"].ID, &record.ErrorFlag{Note: "I stopped it in 2022"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetFlag(ctx, es["condition"].ID, &record.ErrorFlag{Note: "old", Status: "corrected"}); err != nil {
		t.Fatal(err)
	}
	page := &FlagsPage{}
	page.OnNav(app.Context{})
	if len(page.flagged) != 2 || !page.include[es["medication"].ID] || page.include[es["condition"].ID] {
		t.Fatalf("flagged %d, include %v", len(page.flagged), page.include)
	}
	if page.compose() || page.provErr == "" {
		t.Fatal("a request without a provider")
	}
	page.provider = "  Clínica Norte "
	if !page.compose() {
		t.Fatal(page.provErr, page.pickErr)
	}
	html := app.HTMLString(page.Render())
	mustContain(t, html, `id="letter"`, "Solicitud de corrección", "Clínica Norte",
		"Ana Pérez", "1980-02-03", "45 CFR 164.526", "I stopped it in 2022", "Metformin 500 mg", "Firma")
	if strings.Contains(html, "Type 2 diabetes — active") {
		t.Error("a corrected flag is in the letter")
	}
}

// Budget: the summary page (book summary + render) ≤ 200 ms for 10,000
// entries; it reads headers only.
func BenchmarkSummaryPage10k(b *testing.B) {
	s, _ := testSession(b)
	p := record.Profile{ID: record.SyntheticProfile, Name: "Synthetic", Relationship: "self"}
	if _, _, err := s.Import(context.Background(), &p, record.Synthetic(10000, 1)); err != nil {
		b.Fatal(err)
	}
	setProfile(p.ID)
	b.Run("book", func(b *testing.B) {
		for b.Loop() {
			s.Book().Summary(p.ID)
		}
	})
	b.Run("load", func(b *testing.B) {
		for b.Loop() {
			(&SummaryPage{}).load()
		}
	})
	b.Run("page", func(b *testing.B) {
		for b.Loop() {
			page := &SummaryPage{}
			page.load()
			app.HTMLString(page.Render())
		}
	})
}
