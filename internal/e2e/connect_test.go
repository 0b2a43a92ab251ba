//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"backpack/internal/portal/portaltest"
)

// TestConnectPortal signs in to a SMART on FHIR test server on another
// loopback origin through the real redirect, fetches the record, imports
// it through the import preview, and finds its entries on the timeline;
// Refresh then brings only what is new and adds nothing twice.
func TestConnectPortal(t *testing.T) {
	fhir := startPortal(t, portaltest.Options{PageSize: 3, TooMany: 9, TokenTTL: 10 * time.Minute, Refuse: []string{"Goal"}})
	s := startSite(t, "connect")
	ctx, cancel := browser(t)
	defer cancel()
	importVaultWithProfile(t, ctx, s)

	xpNav(t, ctx, "/import")
	xpClick(t, ctx, "#import-connect")
	xpPoll(t, ctx, "connect page", `location.pathname === "/connect" && !!document.querySelector("#connect-search")`)
	// The built-in directory finds health systems offline, by name.
	xpSetInput(t, ctx, "#connect-search", "mayo clinic", "input")
	xpPoll(t, ctx, "directory results", `document.querySelectorAll(".connect-place").length > 0`)
	xpShots(t, ctx, "connect-search")

	// Sign in with a pasted address: off to the server's authorize page
	// (it approves at once) and back to /connect/callback, reloaded: unlock.
	xpSetInput(t, ctx, "#connect-url", fhir.FHIR, "input")
	xpRun(t, ctx, chromedp.Click("#connect-go", chromedp.ByQuery)) // the page goes away: no settling
	xpPoll(t, ctx, "unlock after the redirect", `location.pathname === "/unlock" && !!document.querySelector('main[data-mounted="true"] #unlock-pass')`)
	var search string
	xpRun(t, ctx, chromedp.Evaluate(`location.search + "|" + JSON.stringify(Object.keys(sessionStorage).filter(k => k.includes("connect")))`, &search))
	if search != "|[]" {
		t.Errorf("after the redirect, the address bar or sessionStorage still holds the sign-in: %q", search)
	}
	xpSetInput(t, ctx, "#unlock-pass", importTestPass, "input")
	xpClick(t, ctx, "#unlock")
	xpPoll(t, ctx, "the fetched record in the import preview", `location.pathname === "/import" && document.querySelector("#import")?.dataset.phase === "preview"`)
	cards := readImportCards(t, ctx)
	var card importCard
	for _, c := range cards {
		card = c
	}
	if len(cards) != 1 || !strings.Contains(card.Patient, "Rivera") || card.Counts["Observation"] != 5 || card.Counts["Condition"] != 2 {
		t.Errorf("preview: %+v", cards)
	}
	// The refused type is reported, and the rest came in.
	if len(card.Problems) != 1 || !strings.HasPrefix(card.Problems[0], "portal-refused: ") || card.Counts["Goal"] != 0 {
		t.Errorf("problems %v, goals %d", card.Problems, card.Counts["Goal"])
	}
	xpShots(t, ctx, "connect-preview")
	// 18: every resource but the Patient (it describes the person) and the
	// refused Goal, the Medication, Practitioner and Organization fetched
	// by reference included.
	// Into Alex Example (the current person).
	confirmIntoCurrent(t, ctx)
	cards = readImportCards(t, ctx)
	for _, c := range cards {
		if !strings.Contains(c.Result, "18 added, 0 already there") {
			t.Errorf("first pull: %q", c.Result)
		}
	}
	xpNav(t, ctx, "/timeline")
	xpWaitText(t, ctx, "#timeline", "Essential hypertension")
	xpWaitText(t, ctx, "#timeline", "Hemoglobin A1c")
	xpShots(t, ctx, "connect-timeline")

	// Something new at the health system; Refresh brings it, and only it is added.
	time.Sleep(1100 * time.Millisecond)
	if err := fhir.Load([]byte(`{"resourceType":"Condition","id":"cond-new","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},"code":{"text":"Seasonal allergic rhinitis"},"subject":{"reference":"Patient/` + fhir.Patient() + `"},"onsetDateTime":"2026-11-20"}`)); err != nil {
		t.Fatal(err)
	}
	xpNav(t, ctx, "/connect")
	xpPoll(t, ctx, "the connection listed", `!!document.querySelector(".connect-refresh")`)
	xpShots(t, ctx, "connect-list")
	xpClick(t, ctx, ".connect-refresh")
	xpPoll(t, ctx, "the refresh in the import preview", `location.pathname === "/import" && document.querySelector("#import")?.dataset.phase === "preview"`)
	xpClick(t, ctx, "#import-confirm")
	waitImportPhase(t, ctx, "done", time.Minute)
	for _, c := range readImportCards(t, ctx) {
		if !strings.Contains(c.Result, "1 added") {
			t.Errorf("refresh: %q", c.Result)
		}
	}
	xpNav(t, ctx, "/timeline")
	xpWaitText(t, ctx, "#timeline", "Seasonal allergic rhinitis")
	var n int
	xpRun(t, ctx, chromedp.Evaluate(`[...document.querySelectorAll("#timeline li")].filter(li => li.textContent.includes("Essential hypertension")).length`, &n))
	if n != 1 {
		t.Errorf("Essential hypertension shows %d times", n)
	}
	// No token, code or verifier anywhere a browser keeps plaintext.
	var leaked string
	xpRun(t, ctx, chromedp.Evaluate(`JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + location.href`, &leaked))
	for _, w := range []string{"access", "refresh", "code=", "verifier", fhir.FHIR} {
		if strings.Contains(leaked, w) {
			t.Errorf("plaintext browser storage holds %q", w)
		}
	}
}

// TestConnectNoCORS: a health system that does not let browsers in (no
// CORS) gets a clear message, not a dead page.
func TestConnectNoCORS(t *testing.T) {
	fhir := startPortal(t, portaltest.Options{NoCORS: true})
	s := startSite(t, "connect-nocors")
	ctx, cancel := browser(t)
	defer cancel()
	importVaultWithProfile(t, ctx, s)
	xpNav(t, ctx, "/connect")
	xpSetInput(t, ctx, "#connect-url", fhir.FHIR, "input")
	xpClick(t, ctx, "#connect-go")
	xpWaitText(t, ctx, "#connect-error", "could not be reached from this browser")
	xpShots(t, ctx, "connect-nocors")
	var path string
	xpRun(t, ctx, chromedp.Evaluate(`location.pathname`, &path))
	if path != "/connect" {
		t.Errorf("left for %s", path)
	}
}
