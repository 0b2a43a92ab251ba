package ui

import (
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
)

// Results as the sources wrote them: a simulator's blood pressure and
// height (13 decimals), a lab the source flagged LX, a row with no value.
var valueFixtures = map[string]string{
	"bp": `{"resourceType":"Observation","status":"final",
		"category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
		"code":{"coding":[{"system":"http://loinc.org","code":"85354-9","display":"Blood Pressure"}]},"effectiveDateTime":"2019-03-04",
		"component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":124.6011107612412,"unit":"mm[Hg]"}},
		{"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":75.01937460923318,"unit":"mm[Hg]"}}]}`,
	"height": `{"resourceType":"Observation","status":"final",
		"category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
		"code":{"coding":[{"system":"http://loinc.org","code":"8302-2","display":"Body height"}]},"effectiveDateTime":"2019-03-04",
		"valueQuantity":{"value":165.06825365352302,"unit":"cm"}}`,
	"platelets": `{"resourceType":"Observation","status":"final",
		"category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],
		"code":{"coding":[{"system":"http://loinc.org","code":"777-3","display":"Platelets"}]},"effectiveDateTime":"2008-03-19",
		"valueQuantity":{"value":123,"unit":"10*9/L"},
		"interpretation":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation","code":"LX"}]}],
		"referenceRange":[{"low":{"value":150},"high":{"value":350}}]}`,
	"empty": `{"resourceType":"Observation","status":"final",
		"category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],
		"code":{"coding":[{"system":"http://loinc.org","code":"3094-0","display":"Urea nitrogen, Serum"}]},"effectiveDateTime":"2008-03-20",
		"dataAbsentReason":{"coding":[{"code":"unknown"}]}}`,
}

func TestValuesEverywhere(t *testing.T) {
	langMu.Lock()
	defer langMu.Unlock()
	i18n.SetLang(i18n.English)
	s, p := testSession(t)
	es := saveFixtures(t, s, p, valueFixtures)
	long := []string{"124.60", "124.6011", "165.068", "75.01"}

	page := &SummaryPage{}
	page.load()
	html := app.HTMLString(page.Render())
	mustContain(t, html, "125/75 mmHg", "165.1 cm", "123 10*9/L", "150–350<", `class="badge low result-flag"`, ">Low<")
	for _, bad := range append(long, "Urea nitrogen") {
		if strings.Contains(html, bad) {
			t.Errorf("summary shows %q", bad)
		}
	}

	for name, want := range map[string][]string{
		"bp":        {`id="result">125/75 mmHg<`},
		"height":    {`id="result">165.1 cm<`},
		"platelets": {`id="result">123 10*9/L<`, ">Low<", `id="range">150–350 10*9/L<`},
		"empty":     {`id="result"`, "No value was given"},
	} {
		e, err := s.Full(t.Context(), es[name].ID)
		if err != nil {
			t.Fatal(err)
		}
		ep := &EntryPage{}
		ep.setEntry(e)
		html := app.HTMLString(ep.renderFacts())
		mustContain(t, html, want...)
		if d := ep.renderDetails(); d != nil {
			html += app.HTMLString(d)
		}
		for _, bad := range long {
			if strings.Contains(html, bad) {
				t.Errorf("%s: entry shows %q", name, bad)
			}
		}
		item := app.HTMLString(recTimelineItem(e, nil))
		view := app.HTMLString(xpEntryItem(&e, nil))
		for _, got := range []string{item, view} {
			for _, bad := range long {
				if strings.Contains(got, bad) {
					t.Errorf("%s: list shows %q: %s", name, bad, got)
				}
			}
		}
		switch name {
		case "bp":
			mustContain(t, item+view, "125/75 mmHg")
		case "platelets":
			mustContain(t, item+view, ">Low<")
		case "empty":
			mustContain(t, item+view, "No value was given")
		}
	}
}
