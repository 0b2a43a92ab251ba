//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"backpack/internal/record"
)

// Helpers of the files / summary / emergency / flags tests (prefix fs).

const (
	fsPass  = "files and summary passphrase, long enough 7"
	fsName  = "Ana Example"
	fsBirth = "1980-02-03"
)

func fsRun(t testing.TB, ctx context.Context, step string, actions ...chromedp.Action) {
	t.Helper()
	if err := chromedp.Run(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", step, err)
	}
}

// fsEval evaluates a JS expression into out.
func fsEval(t testing.TB, ctx context.Context, js string, out any) {
	t.Helper()
	if err := chromedp.Run(ctx, chromedp.Evaluate(js, out)); err != nil {
		t.Fatalf("eval %s: %v", js, err)
	}
}

// fsWait polls a JS expression until it is truthy.
func fsWait(t testing.TB, ctx context.Context, what, js string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var ok bool
		if err := chromedp.Run(ctx, chromedp.Evaluate(`!!(`+js+`)`, &ok)); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			var body string
			chromedp.Run(ctx, chromedp.Evaluate(`location.pathname + ' :: ' + (document.querySelector('main') || document.body).innerText.slice(0, 600)`, &body))
			t.Fatalf("%s: timed out; page: %s", what, body)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// fsNav follows a link inside the app (no reload: the session stays) and
// waits for the page to mount.
func fsNav(t testing.TB, ctx context.Context, path string) {
	t.Helper()
	fsRun(t, ctx, "nav "+path, chromedp.Evaluate(fmt.Sprintf(`(() => { const a = document.createElement('a'); a.href = %q;
		document.body.appendChild(a); a.click(); a.remove(); })()`, path), nil))
	fsWait(t, ctx, "at "+path, fmt.Sprintf(`location.pathname === %q && document.querySelector('main[data-mounted="true"]')`, path), 10*time.Second)
}

// fsSet types a value into an input, textarea or select the way people do
// (input and change events fire).
func fsSet(t testing.TB, ctx context.Context, sel, value string) {
	t.Helper()
	js := fmt.Sprintf(`(() => { const el = document.querySelector(%q); if (!el) return false;
		el.focus(); el.value = %q;
		el.dispatchEvent(new Event('input', {bubbles: true}));
		el.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`, sel, value)
	var ok bool
	fsEval(t, ctx, js, &ok)
	if !ok {
		t.Fatalf("no element %s", sel)
	}
}

func fsClick(t testing.TB, ctx context.Context, sel string) {
	t.Helper()
	// A DOM click on the element itself: a mouse click at its coordinates can
	// land on the phone's fixed bottom bar or on a row that moved meanwhile.
	fsRun(t, ctx, "click "+sel, chromedp.WaitVisible(sel, chromedp.ByQuery),
		chromedp.Evaluate(fmt.Sprintf(`(() => { const el = document.querySelector(%q);
			el.scrollIntoView({block: 'center'}); el.click(); })()`, sel), nil))
}

func fsText(t testing.TB, ctx context.Context, sel string) string {
	t.Helper()
	var s string
	fsEval(t, ctx, fmt.Sprintf(`(document.querySelector(%q) || {}).innerText || ''`, sel), &s)
	return s
}

func fsContains(t testing.TB, ctx context.Context, sel string, want ...string) {
	t.Helper()
	got := fsText(t, ctx, sel)
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q; has: %.400q", sel, w, got)
		}
	}
}

// fsMedia emulates a CSS media type ("print", or "" for the screen).
func fsMedia(ctx context.Context, media string) error {
	return emulation.SetEmulatedMedia().WithMedia(media).Do(ctx)
}

// fsWaitText waits until an element's text holds every want (renders are async).
func fsWaitText(t testing.TB, ctx context.Context, sel string, want ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := fsText(t, ctx, sel)
		missing := ""
		for _, w := range want {
			if !strings.Contains(got, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%s lacks %q; has: %.400q", sel, missing, got)
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// fsShots saves phone and desktop screenshots, then goes back to phone size.
func fsShots(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	time.Sleep(150 * time.Millisecond)
	screenshot(t, ctx, name+"-phone")
	fsRun(t, ctx, "desktop", desktop())
	time.Sleep(150 * time.Millisecond)
	screenshot(t, ctx, name+"-desktop")
	fsRun(t, ctx, "phone", phone())
}

// fsUnlocked drives the real set-up and people pages: a new vault and one
// profile. It leaves the browser unlocked on the summary.
func fsUnlocked(t testing.TB, ctx context.Context, s *site) {
	t.Helper()
	fsRun(t, ctx, "set-up",
		chromedp.Navigate(s.URL("/setup")),
		chromedp.WaitVisible(`main[data-mounted="true"] #pass`, chromedp.ByQuery),
	)
	fsSet(t, ctx, "#pass", fsPass)
	fsSet(t, ctx, "#confirm", fsPass)
	fsClick(t, ctx, "#create")
	fsRun(t, ctx, "recovery", chromedp.WaitVisible(`#recovery-key`, chromedp.ByQuery))
	fsClick(t, ctx, "#saved")
	fsRun(t, ctx, "recovery done", chromedp.WaitEnabled(`#recovery-done`, chromedp.ByQuery))
	fsClick(t, ctx, "#recovery-done")
	fsWait(t, ctx, "profile form or storage", `document.querySelector('#profile-name') || document.querySelector('#storage-continue')`, 30*time.Second)
	var storage bool
	fsEval(t, ctx, `!!document.querySelector('#storage-continue')`, &storage)
	if storage {
		fsClick(t, ctx, "#storage-continue")
	}
	fsRun(t, ctx, "profile form", chromedp.WaitVisible(`#profile-name`, chromedp.ByQuery))
	fsSet(t, ctx, "#profile-name", fsName)
	fsSet(t, ctx, "#profile-birth", fsBirth)
	fsClick(t, ctx, "#profile-save")
	fsWait(t, ctx, "summary after profile", `location.pathname === '/summary' && document.querySelector('main[data-mounted="true"]')`, 15*time.Second)
}

// fsAdd fills the add form of a kind and saves; it returns the new entry's id.
func fsAdd(t testing.TB, ctx context.Context, kind string, fields map[string]string) string {
	t.Helper()
	fsNav(t, ctx, "/add/"+kind)
	fsRun(t, ctx, "entry form", chromedp.WaitVisible(`#entry-form`, chromedp.ByQuery))
	for name, v := range fields {
		fsSet(t, ctx, "#f-"+name, v)
	}
	fsClick(t, ctx, "#save")
	fsWait(t, ctx, "entry page after save", `location.pathname.startsWith('/entry/')`, 20*time.Second)
	var id string
	fsEval(t, ctx, `location.pathname.slice('/entry/'.length)`, &id)
	return id
}

// fsImport brings a file in through the import page.
func fsImport(t testing.TB, ctx context.Context, path string) {
	fsImportWait(t, ctx, path, time.Minute)
}

func fsImportWait(t testing.TB, ctx context.Context, path string, timeout time.Duration) {
	t.Helper()
	fsNav(t, ctx, "/import")
	fsRun(t, ctx, "import page", chromedp.WaitVisible(`#import-files`, chromedp.ByQuery),
		chromedp.SetUploadFiles(`#import-files`, []string{path}, chromedp.ByQuery))
	fsRun(t, ctx, "import ready", chromedp.WaitEnabled(`#import-confirm`, chromedp.ByQuery))
	fsClick(t, ctx, "#import-confirm")
	fsWait(t, ctx, "import done", `document.querySelector('#import-done')`, timeout)
}

// portalBundle is what a patient portal might export: one of each kind the
// summary and the emergency card show.
func portalBundle(t testing.TB) string {
	lab := func(code, name string, v float64, unit string, lo, hi float64, date string) map[string]any {
		return map[string]any{"resourceType": "Observation", "status": "final",
			"category": []any{map[string]any{"coding": []any{map[string]any{
				"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}}}},
			"code":              map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": code, "display": name}}},
			"effectiveDateTime": date, "valueQuantity": map[string]any{"value": v, "unit": unit},
			"referenceRange": []any{map[string]any{"low": map[string]any{"value": lo}, "high": map[string]any{"value": hi}}}}
	}
	res := []map[string]any{
		{"resourceType": "Condition", "clinicalStatus": map[string]any{"coding": []any{map[string]any{"code": "active"}}},
			"code": map[string]any{"text": "Type 2 diabetes mellitus"}, "onsetDateTime": "2019-05-01"},
		{"resourceType": "Condition", "clinicalStatus": map[string]any{"coding": []any{map[string]any{"code": "resolved"}}},
			"code": map[string]any{"text": "Fractured wrist"}, "onsetDateTime": "2005-07-01"},
		{"resourceType": "MedicationStatement", "status": "active",
			"medicationCodeableConcept": map[string]any{"text": "Metformin 500 mg tablet"},
			"dosage":                    []any{map[string]any{"text": "1 tablet twice a day"}}, "effectiveDateTime": "2020-01-10"},
		lab("4548-4", "Hemoglobin A1c", 7.2, "%", 4, 5.6, "2024-03-02"),
		lab("4548-4", "Hemoglobin A1c", 7.9, "%", 4, 5.6, "2023-09-12"),
		lab("2093-3", "Cholesterol total", 182, "mg/dL", 125, 200, "2024-03-02"),
		lab("2345-7", "Glucose", 62, "mg/dL", 70, 99, "2024-03-02"),
		{"resourceType": "Observation", "status": "final",
			"category": []any{map[string]any{"coding": []any{map[string]any{
				"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}}}},
			"code":              map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": "882-1", "display": "ABO and Rh group"}}},
			"effectiveDateTime": "2010-01-01", "valueCodeableConcept": map[string]any{"text": "O Rh negative"}},
		{"resourceType": "Observation", "status": "final",
			"category": []any{map[string]any{"coding": []any{map[string]any{
				"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}}}},
			"code":              map[string]any{"coding": []any{map[string]any{"system": "http://loinc.org", "code": "29463-7", "display": "Body weight"}}},
			"effectiveDateTime": "2024-03-02", "valueQuantity": map[string]any{"value": 68.5, "unit": "kg"}},
		{"resourceType": "Immunization", "status": "completed",
			"vaccineCode": map[string]any{"text": "Influenza vaccine"}, "occurrenceDateTime": "2023-10-15"},
		{"resourceType": "RelatedPerson", "name": []any{map[string]any{"text": "Luis Example"}},
			"relationship": []any{map[string]any{"text": "Brother"}},
			"telecom":      []any{map[string]any{"system": "phone", "value": "+1 555 010 2030"}}},
		{"resourceType": "Practitioner", "name": []any{map[string]any{"text": "Dr. Jane Roe"}},
			"telecom": []any{map[string]any{"system": "phone", "value": "555-0199"}}},
		{"resourceType": "Coverage", "status": "active", "payor": []any{map[string]any{"display": "Acme Health Plan"}}},
	}
	var entries []any
	for i, r := range res {
		r["id"] = fmt.Sprintf("r%d", i)
		entries = append(entries, map[string]any{"fullUrl": fmt.Sprintf("urn:uuid:00000000-0000-0000-0000-%012d", i), "resource": r})
	}
	b, err := json.Marshal(map[string]any{"resourceType": "Bundle", "type": "collection", "entry": entries})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "portal-export.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// The summary, the emergency card and the amendment request, end to end:
// entries typed in and imported show in the right sections; an entry
// flagged on its page ends up in a formal letter.
func TestSummaryEmergencyFlags(t *testing.T) {
	s := startSite(t, "summary")
	ctx, cancel := browser(t)
	defer cancel()
	fsUnlocked(t, ctx, s)

	// A new profile: the summary invites to add or import.
	fsRun(t, ctx, "empty summary", chromedp.WaitVisible(`#summary-empty`, chromedp.ByQuery))
	fsContains(t, ctx, "#summary-empty", "Nothing here yet for "+fsName)
	var links []string
	fsEval(t, ctx, `[...document.querySelectorAll('#summary-empty a')].map(a => a.getAttribute('href'))`, &links)
	if strings.Join(links, " ") != "/add/ /import" {
		t.Errorf("empty state links %v", links)
	}
	fsShots(t, ctx, "summary-empty")

	// Typed in: a severe penicillin allergy. Imported: the rest.
	allergy := fsAdd(t, ctx, "allergy", map[string]string{
		"substance": "Penicillin", "reaction": "Hives", "severity": "severe", "criticality": "high", "status": "active"})
	fsImport(t, ctx, portalBundle(t))

	start := time.Now()
	fsNav(t, ctx, "/summary")
	fsRun(t, ctx, "summary", chromedp.WaitVisible(`#sum-allergies`, chromedp.ByQuery))
	t.Logf("summary shown %v after navigation", time.Since(start))
	fsContains(t, ctx, "#sum-allergies", "Penicillin", "High risk", "Hives")
	fsContains(t, ctx, "#sum-conditions", "Type 2 diabetes mellitus")
	if strings.Contains(fsText(t, ctx, "#sum-conditions"), "Fractured wrist") {
		t.Error("a resolved condition is listed as active")
	}
	fsContains(t, ctx, "#sum-medications", "Metformin 500 mg tablet")
	fsContains(t, ctx, "#sum-labs", "Hemoglobin A1c", "7.2 %", "4–5.6", "Glucose", "62 mg/dL", "Cholesterol total")
	if strings.Contains(fsText(t, ctx, "#sum-labs"), "7.9") {
		t.Error("an older A1c is shown: labs must be the latest per test")
	}
	var badges []string
	fsEval(t, ctx, `[...document.querySelectorAll('#sum-labs tr')].filter(r => r.querySelector('.badge')).map(r => r.cells[0].querySelector('a').innerText + ':' + r.querySelector('.badge').innerText)`, &badges)
	if strings.Join(badges, ",") != "Hemoglobin A1c:High,Glucose:Low" && strings.Join(badges, ",") != "Glucose:Low,Hemoglobin A1c:High" {
		t.Errorf("High/Low badges: %v", badges)
	}
	fsContains(t, ctx, "#sum-vitals", "Body weight", "68.5 kg")
	fsContains(t, ctx, "#sum-immunizations", "Influenza vaccine")
	fsContains(t, ctx, "#sum-careteam", "Dr. Jane Roe", "555-0199")
	fsContains(t, ctx, "#sum-contacts", "Luis Example", "Brother")
	fsContains(t, ctx, "#sum-insurance", "Acme Health Plan")
	var tel, entryLink string
	fsEval(t, ctx, `(document.querySelector('#sum-contacts a[href^="tel:"]') || {}).getAttribute?.('href') || ''`, &tel)
	if tel != "tel:+15550102030" {
		t.Errorf("contact phone link %q", tel)
	}
	fsEval(t, ctx, `document.querySelector('#sum-allergies a').getAttribute('href')`, &entryLink)
	if entryLink != "/entry/"+allergy {
		t.Errorf("allergy links to %q, want /entry/%s", entryLink, allergy)
	}
	// The print stylesheet hides the actions and the navigation.
	var printHidden bool
	fsRun(t, ctx, "print media", chromedp.ActionFunc(func(ctx context.Context) error {
		return fsMedia(ctx, "print")
	}))
	fsEval(t, ctx, `getComputedStyle(document.querySelector('.summary-actions')).display === 'none' &&
		getComputedStyle(document.querySelector('.nav')).display === 'none' &&
		getComputedStyle(document.querySelector('.summary .print-only')).display !== 'none'`, &printHidden)
	if !printHidden {
		t.Error("print stylesheet: actions or navigation still shown, or printed date hidden")
	}
	screenshot(t, ctx, "summary-print")
	fsRun(t, ctx, "screen media", chromedp.ActionFunc(func(ctx context.Context) error { return fsMedia(ctx, "") }))
	fsShots(t, ctx, "summary")

	// Emergency card: from the summary's quick action.
	fsClick(t, ctx, "#to-emergency")
	fsRun(t, ctx, "emergency card", chromedp.WaitVisible(`#emergency-card`, chromedp.ByQuery))
	fsContains(t, ctx, "#emergency-card", fsName, fsBirth, "O Rh negative", "Penicillin", "High risk",
		"Type 2 diabetes mellitus", "Metformin 500 mg tablet", "Luis Example", "+1 555 010 2030")
	fsEval(t, ctx, `document.querySelector('#emergency-card a[href^="tel:"]').getAttribute('href')`, &tel)
	if tel != "tel:+15550102030" {
		t.Errorf("emergency phone link %q", tel)
	}
	var nameSize float64
	fsEval(t, ctx, `parseFloat(getComputedStyle(document.querySelector('.ecard-name')).fontSize)`, &nameSize)
	if nameSize < 26 {
		t.Errorf("emergency card name is %vpx: not big type", nameSize)
	}
	// One printed page: print media, A4/Letter width; the card must fit one page height.
	fsRun(t, ctx, "print media", chromedp.ActionFunc(func(ctx context.Context) error { return fsMedia(ctx, "print") }))
	var cardHeight float64
	fsEval(t, ctx, `document.querySelector('#emergency-card').getBoundingClientRect().height`, &cardHeight)
	if cardHeight > 1000 { // a Letter page at 96 dpi less margins is ~950–1000 px tall
		t.Errorf("printed card is %v px tall: more than a page", cardHeight)
	}
	fsRun(t, ctx, "screen media", chromedp.ActionFunc(func(ctx context.Context) error { return fsMedia(ctx, "") }))
	fsShots(t, ctx, "emergency")

	// Flag the metformin entry on its page (the entry page's flag form).
	var medID string
	fsNav(t, ctx, "/summary")
	fsEval(t, ctx, `document.querySelector('#sum-medications a').getAttribute('href').slice('/entry/'.length)`, &medID)
	fsNav(t, ctx, "/entry/"+medID)
	fsClick(t, ctx, "#flag")
	fsRun(t, ctx, "flag form", chromedp.WaitVisible(`#flag-note`, chromedp.ByQuery))
	fsSet(t, ctx, "#flag-note", "I stopped metformin in March 2023.")
	fsClick(t, ctx, "#flag-save")
	fsRun(t, ctx, "flagged", chromedp.WaitVisible(`#flag-card`, chromedp.ByQuery))

	// The summary points at it; the flags page lists it.
	fsNav(t, ctx, "/summary")
	fsContains(t, ctx, "main", "1 entry flagged")
	fsNav(t, ctx, "/flags")
	fsRun(t, ctx, "flags list", chromedp.WaitVisible(`#flagged`, chromedp.ByQuery))
	fsContains(t, ctx, "#flagged", "Metformin 500 mg tablet", "I stopped metformin in March 2023.", "Open")

	// No provider: a clear error. Then pick the care-team doctor.
	fsClick(t, ctx, "#write")
	fsRun(t, ctx, "provider error", chromedp.WaitVisible(`#provider-err`, chromedp.ByQuery))
	fsSet(t, ctx, "#provider-pick", "Dr. Jane Roe")
	fsWait(t, ctx, "provider from the care team", `document.querySelector('#provider').value === 'Dr. Jane Roe'`, 5*time.Second)
	fsSet(t, ctx, "#provider", "Northside Clinic, Records Department")
	fsClick(t, ctx, "#write")
	fsRun(t, ctx, "letter", chromedp.WaitVisible(`#letter`, chromedp.ByQuery))
	fsContains(t, ctx, "#letter", "Request for amendment of health information",
		"To: Northside Clinic, Records Department", "Patient: "+fsName, fsBirth, "45 CFR 164.526",
		"Metformin 500 mg tablet", "I stopped metformin in March 2023.", "Signature")
	var focused string
	fsEval(t, ctx, `document.activeElement && document.activeElement.id`, &focused)
	if focused != "letter" {
		t.Errorf("focus on %q after writing the letter, want the letter", focused)
	}
	fsRun(t, ctx, "print media", chromedp.ActionFunc(func(ctx context.Context) error { return fsMedia(ctx, "print") }))
	var onlyLetter bool
	fsEval(t, ctx, `getComputedStyle(document.querySelector('.flags-work')).display === 'none' &&
		getComputedStyle(document.querySelector('main > h1')).display === 'none' &&
		getComputedStyle(document.querySelector('#letter')).display !== 'none'`, &onlyLetter)
	if !onlyLetter {
		t.Error("printing the letter prints more than the letter")
	}
	screenshot(t, ctx, "amendment-print")
	fsRun(t, ctx, "screen media", chromedp.ActionFunc(func(ctx context.Context) error { return fsMedia(ctx, "") }))
	fsShots(t, ctx, "amendment")

	// Mark as requested: the status changes and is kept.
	fsClick(t, ctx, "#letter-requested")
	fsWait(t, ctx, "status requested", `[...document.querySelectorAll('.flag-item .badge')].some(b => b.innerText.includes('Correction requested'))`, 10*time.Second)
	fsNav(t, ctx, "/summary")
	if strings.Contains(fsText(t, ctx, "main"), "entries flagged") {
		t.Error("a requested flag still counts as open on the summary")
	}
	fsNav(t, ctx, "/flags")
	var st string
	fsEval(t, ctx, `document.querySelector('.flag-item select').value`, &st)
	if st != "requested" {
		t.Errorf("flag status %q after marking requested", st)
	}
	fsSet(t, ctx, ".flag-item select", "corrected")
	fsWait(t, ctx, "status corrected", `[...document.querySelectorAll('.flag-item .badge')].some(b => b.innerText.includes('Corrected'))`, 10*time.Second)
	fsShots(t, ctx, "flags")
}

// BenchmarkSummaryPage10kBrowser: 10,000 entries imported through the
// import page; the metric is an in-app navigation to the summary until its
// sections are on screen, in Chromium. Budget: ≤ 200 ms. Then a reload
// locks the vault and unlock-ms is unlocking it (click → first page of
// the record mounted). summary-, timeline- and unlock-longest-task-ms are
// the longest main-thread tasks of those spans (Long Tasks API; budget
// ≤ 200); timeline-ms is the navigation to the timeline until its first
// entries are on screen. unlock-kdf-on-page-* are unlocking with the
// passphrase KDF on the page's thread (its worker made to fail), the
// baseline of the KDF's move to a worker.
func BenchmarkSummaryPage10kBrowser(b *testing.B) {
	s := startSite(b, "bench-summary")
	ctx, cancel := browser(b)
	defer cancel()
	fsUnlocked(b, ctx, s)
	var entries []json.RawMessage
	for _, e := range record.Synthetic(10000, 1) {
		entries = append(entries, json.RawMessage(`{"resource":`+string(e.Resource.JSON)+`}`))
	}
	bundle, _ := json.Marshal(map[string]any{"resourceType": "Bundle", "type": "collection", "entry": entries})
	path := filepath.Join(b.TempDir(), "synthetic-10k.json")
	os.WriteFile(path, bundle, 0o644)
	start := time.Now()
	fsImportWait(b, ctx, path, 5*time.Minute)
	b.Logf("imported 10,000 entries in %v", time.Since(start).Round(time.Millisecond))
	// navMS follows an in-app link and waits until sel is on screen.
	navMS := func(path, sel string) float64 {
		var ms float64
		err := chromedp.Run(ctx, chromedp.Evaluate(fmt.Sprintf(`new Promise(resolve => {
			const t0 = performance.now();
			const a = document.createElement('a'); a.href = %q; document.body.appendChild(a); a.click(); a.remove();
			const check = () => document.querySelector(%q) ? resolve(performance.now() - t0) : requestAnimationFrame(check);
			check();
		})`, path, `main[data-mounted="true"] `+sel), &ms, awaitPromise))
		if err != nil {
			b.Fatal(err)
		}
		return ms
	}
	var total, base, sumLong, tl, tlLong, unlock, unlockLong float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		base += navMS("/more", ".list")
		longTaskWatch(b, ctx)
		total += navMS("/summary", ".summary-grid #sum-labs")
		sumLong = max(sumLong, longestTask(b, ctx))
		base += navMS("/more", ".list")
		longTaskWatch(b, ctx)
		tl += navMS("/timeline", "#timeline li")
		tlLong = max(tlLong, longestTask(b, ctx))
	}
	b.StopTimer()
	// unlockOnce reloads (which locks), types the passphrase and unlocks:
	// how long, and the longest task. onPage makes the worker that runs
	// the KDF fail (the fault hook), so the vault runs it on the page, as
	// before it moved: the baseline, in the same run.
	unlockOnce := func(onPage bool) (ms, long float64) {
		fsRun(b, ctx, "reload", chromedp.Reload(), chromedp.WaitVisible(`main[data-mounted="true"] #unlock-pass`, chromedp.ByQuery))
		fsSet(b, ctx, "#unlock-pass", fsPass)
		time.Sleep(2 * time.Second) // the time a person takes to type a passphrase
		if onPage {
			fsRun(b, ctx, "KDF on the page", chromedp.Evaluate(`window.backpackWorkerFault = 'exit'`, nil))
		}
		longTaskWatch(b, ctx)
		start := time.Now()
		fsClick(b, ctx, "#unlock")
		fsWait(b, ctx, "unlocked", `location.pathname !== '/unlock' && document.querySelector('main[data-mounted="true"]') && !document.querySelector('#unlock-pass')`, 2*time.Minute)
		ms = float64(time.Since(start).Milliseconds())
		return ms, longestTask(b, ctx)
	}
	var here, hereLong float64
	for i := 0; i < b.N; i++ {
		ms, long := unlockOnce(false)
		unlock, unlockLong = unlock+ms, max(unlockLong, long)
		ms, long = unlockOnce(true)
		here, hereLong = here+ms, max(hereLong, long)
	}
	b.ReportMetric(here/float64(b.N), "unlock-kdf-on-page-ms")
	b.ReportMetric(hereLong, "unlock-kdf-on-page-longest-task-ms")
	b.ReportMetric(total/float64(b.N), "summary-ms")
	b.ReportMetric(base/float64(2*b.N), "more-page-ms")
	b.ReportMetric(tl/float64(b.N), "timeline-ms")
	b.ReportMetric(tlLong, "timeline-longest-task-ms")
	b.ReportMetric(sumLong, "summary-longest-task-ms")
	b.ReportMetric(unlock/float64(b.N), "unlock-ms")
	b.ReportMetric(unlockLong, "unlock-longest-task-ms")
	b.ReportMetric(0, "ns/op")
}
