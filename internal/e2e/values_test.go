//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// valuesBundle: a simulator's blood pressure and height (13 decimals), a
// lab its source flagged LX, and a row with no value.
const valuesBundle = `{"resourceType":"Bundle","type":"collection","entry":[
{"fullUrl":"urn:uuid:v1","resource":{"resourceType":"Observation","id":"v1","status":"final",
 "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
 "code":{"coding":[{"system":"http://loinc.org","code":"85354-9","display":"Blood Pressure"}]},"effectiveDateTime":"2023-03-04",
 "component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":131.2980129812,"unit":"mm[Hg]"}},
 {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":84.6011107612412,"unit":"mm[Hg]"}}]}},
{"fullUrl":"urn:uuid:v2","resource":{"resourceType":"Observation","id":"v2","status":"final",
 "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
 "code":{"coding":[{"system":"http://loinc.org","code":"85354-9","display":"Blood Pressure"}]},"effectiveDateTime":"2024-03-04",
 "component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":124.6011107612412,"unit":"mm[Hg]"}},
 {"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":75.01937460923318,"unit":"mm[Hg]"}}]}},
{"fullUrl":"urn:uuid:v3","resource":{"resourceType":"Observation","id":"v3","status":"final",
 "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
 "code":{"coding":[{"system":"http://loinc.org","code":"8302-2","display":"Body height"}]},"effectiveDateTime":"2024-03-04",
 "valueQuantity":{"value":165.06825365352302,"unit":"cm"}}},
{"fullUrl":"urn:uuid:v4","resource":{"resourceType":"Observation","id":"v4","status":"final",
 "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],
 "code":{"coding":[{"system":"http://loinc.org","code":"777-3","display":"Platelets"}]},"effectiveDateTime":"2024-03-04",
 "valueQuantity":{"value":123,"unit":"10*9/L"},
 "interpretation":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation","code":"LX"}]}],
 "referenceRange":[{"low":{"value":150},"high":{"value":350}}]}},
{"fullUrl":"urn:uuid:v5","resource":{"resourceType":"Observation","id":"v5","status":"final",
 "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],
 "code":{"coding":[{"system":"http://loinc.org","code":"3094-0","display":"Urea nitrogen, Serum"}]},"effectiveDateTime":"2024-03-05",
 "dataAbsentReason":{"coding":[{"code":"unknown"}]}}}]}`

// Results shown right in the browser: the summary, the entry page, the
// timeline and the trend of blood pressures (two lines).
func TestValuesShown(t *testing.T) {
	src, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatalf("axe-core is missing (run `make deps`): %v", err)
	}
	axe := string(src)
	s := startSite(t, "values")
	ctx, cancel := browser(t)
	defer cancel()
	fsRun(t, ctx, "phone", phone())
	fsUnlocked(t, ctx, s)
	path := filepath.Join(t.TempDir(), "values.json")
	if err = os.WriteFile(path, []byte(valuesBundle), 0o644); err != nil {
		t.Fatal(err)
	}
	fsImport(t, ctx, path)

	fsNav(t, ctx, "/summary")
	fsRun(t, ctx, "summary", chromedp.WaitVisible(`#sum-vitals`, chromedp.ByQuery))
	fsContains(t, ctx, "#sum-vitals", "Blood Pressure", "125/75 mmHg", "Body height", "165.1 cm")
	fsContains(t, ctx, "#sum-labs", "Platelets", "123 10*9/L", "Low", "150–350")
	for _, sel := range []string{"#sum-vitals", "#sum-labs"} {
		if got := fsText(t, ctx, sel); containsAny(got, "124.60", "165.068", "75.019", "Urea nitrogen") {
			t.Errorf("%s shows %q", sel, got)
		}
	}
	fsShots(t, ctx, "values-summary")
	axeCheck(t, ctx, axe, "/summary (results)")

	var bp, urea string
	fsEval(t, ctx, `[...document.querySelectorAll('#sum-vitals a')].find(a => a.innerText.includes('Blood Pressure')).getAttribute('href')`, &bp)
	fsNav(t, ctx, bp)
	fsWaitText(t, ctx, "#result", "125/75 mmHg")
	fsShots(t, ctx, "values-entry-bp")
	axeCheck(t, ctx, axe, "/entry (blood pressure)")
	fsNav(t, ctx, "/trend/"+filepath.Base(bp))
	fsRun(t, ctx, "trend", chromedp.WaitVisible(`#chart svg`, chromedp.ByQuery))
	fsContains(t, ctx, "#trend-table", "125/75 mmHg", "131/85 mmHg")
	var lines int
	fsEval(t, ctx, `document.querySelectorAll('#chart polyline').length`, &lines)
	if lines != 2 {
		t.Errorf("blood pressure trend has %d lines, want 2", lines)
	}
	fsShots(t, ctx, "values-trend-bp")
	axeCheck(t, ctx, axe, "/trend (blood pressure)")

	fsNav(t, ctx, "/timeline")
	fsWait(t, ctx, "timeline", `[...document.querySelectorAll('#timeline a')].some(a => a.innerText.includes('Urea nitrogen'))`, 10*time.Second)
	fsEval(t, ctx, `[...document.querySelectorAll('#timeline a')].find(a => a.innerText.includes('Urea nitrogen')).innerText`, &urea)
	if !containsAny(urea, "No value was given") {
		t.Errorf("timeline row of a result with no value: %q", urea)
	}
	fsEval(t, ctx, `[...document.querySelectorAll('#timeline a')].find(a => a.innerText.includes('Urea nitrogen')).getAttribute('href')`, &urea)
	fsNav(t, ctx, urea)
	fsWaitText(t, ctx, "#result", "No value was given")
	fsShots(t, ctx, "values-entry-novalue")
	axeCheck(t, ctx, axe, "/entry (no value)")
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// HL7's sample CCD in the browser: its platelets (123, range 150–350,
// flagged LX) show Low, its blood pressures as pairs, its urea nitrogen
// row without a value stays out of the summary.
func TestValuesCorpusCCDA(t *testing.T) {
	path := filepath.Join(corpusDir, "ccda", "HL7-CCD-1.xml")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("corpus not present (%s); set BACKPACK_CORPUS", path)
	}
	s := startSite(t, "values-ccda")
	ctx, cancel := browser(t)
	defer cancel()
	fsRun(t, ctx, "phone", phone())
	fsUnlocked(t, ctx, s)
	fsImport(t, ctx, path)
	fsNav(t, ctx, "/summary")
	fsRun(t, ctx, "summary", chromedp.WaitVisible(`#sum-vitals`, chromedp.ByQuery))
	fsContains(t, ctx, "#sum-labs", "Platelets", "123 10*9/L", "Low")
	var pairs bool
	fsEval(t, ctx, `/Blood pressure\s+\d{3}\/\d{2} mmHg/.test(document.querySelector('#sum-vitals').innerText)`, &pairs)
	if !pairs {
		t.Errorf("vital signs: %q", fsText(t, ctx, "#sum-vitals"))
	}
	for sel, bad := range map[string]string{"#sum-labs": "Urea nitrogen", "#sum-vitals": "Systolic"} {
		if strings.Contains(fsText(t, ctx, sel), bad) {
			t.Errorf("%s shows %q", sel, bad)
		}
	}
	fsShots(t, ctx, "values-ccd-summary")
}
