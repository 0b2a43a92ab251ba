//go:build e2e

package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"backpack/internal/portal"
	"backpack/internal/portal/portaltest"
	"backpack/internal/portal/relay"
	"backpack/internal/server"
)

func startPortal(t *testing.T, opt portaltest.Options) *portaltest.Server {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(importRepoDir, "internal/portal/testdata/synthea-small.json"))
	if err != nil {
		t.Fatal(err)
	}
	fhir, err := portaltest.Start(opt, b)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fhir.Close() })
	return fhir
}

// confirmIntoCurrent imports the file on the import page into the current
// person (not a new one) and waits until it is done.
func confirmIntoCurrent(t *testing.T, ctx context.Context) {
	t.Helper()
	xpRun(t, ctx, chromedp.Evaluate(`(() => { const s = document.querySelector(".import-file select");
		s.value = [...s.options].find(o => o.value !== "new").value; s.dispatchEvent(new Event("change", {bubbles: true})); })()`, nil))
	xpClick(t, ctx, "#import-confirm")
	waitImportPhase(t, ctx, "done", time.Minute)
}

// connectImport comes back from the health system's sign-in (the app
// reloads there: unlock), and imports the fetched record into the
// current person; it returns the import result line.
func connectImport(t *testing.T, ctx context.Context) string {
	t.Helper()
	xpPoll(t, ctx, "unlock after the redirect", `location.pathname === "/unlock" && !!document.querySelector('main[data-mounted="true"] #unlock-pass')`)
	xpSetInput(t, ctx, "#unlock-pass", importTestPass, "input")
	xpClick(t, ctx, "#unlock")
	xpPoll(t, ctx, "the fetched record in the import preview", `location.pathname === "/import" && document.querySelector("#import")?.dataset.phase === "preview"`)
	return importIntoCurrent(t, ctx)
}

// importIntoCurrent imports the file on the import page into the current
// person and returns its result line.
func importIntoCurrent(t *testing.T, ctx context.Context) string {
	t.Helper()
	confirmIntoCurrent(t, ctx)
	var res []string
	for _, c := range readImportCards(t, ctx) {
		res = append(res, c.Result)
	}
	return strings.Join(res, "; ")
}

// TestConnectRelay: a health system with no CORS, which the person's own
// Backpack server relays to (serve -relay HOST): the app says the browser
// cannot reach it, offers the relay and says what it can see, and the pull
// then goes through it to the timeline.
func TestConnectRelay(t *testing.T) {
	fhir := startPortal(t, portaltest.Options{NoCORS: true, TLS: true})
	host := strings.TrimPrefix(fhir.URL, "https://")
	clients, err := portal.WithRelay(nil, []string{host})
	if err != nil {
		t.Fatal(err)
	}
	s := startSiteWith(t, webDir, "connect-relay", func(c *server.Config) {
		c.SmartClients = clients
		c.Relay = relay.New([]string{host}, fhir.Client())
	})
	// The sign-in page is the health system's own (a test certificate).
	ctx, cancel := browserWith(t, chromedp.Flag("ignore-certificate-errors", true))
	defer cancel()
	importVaultWithProfile(t, ctx, s)
	xpNav(t, ctx, "/connect")
	xpSetInput(t, ctx, "#connect-url", fhir.FHIR, "input")
	xpClick(t, ctx, "#connect-go")
	xpWaitText(t, ctx, "#connect-error", "could not be reached from this browser")
	xpPoll(t, ctx, "the relay offered", `!!document.querySelector("#connect-relay-use")`)
	var offer string
	xpRun(t, ctx, chromedp.Text("#connect-relay", &offer, chromedp.ByQuery))
	if !strings.Contains(strings.ToLower(offer), "see") {
		t.Errorf("the offer does not say the relay can see what it carries: %q", offer)
	}
	xpShots(t, ctx, "connect-relay-offer")
	xpRun(t, ctx, chromedp.Click("#connect-relay-use", chromedp.ByQuery)) // the page goes away
	if r := connectImport(t, ctx); !strings.Contains(r, "19 added") {     // every type: none is refused here
		t.Errorf("relayed pull: %q", r)
	}
	xpNav(t, ctx, "/timeline")
	xpWaitText(t, ctx, "#timeline", "Essential hypertension")
	xpNav(t, ctx, "/connect")
	xpPoll(t, ctx, "the connection marked as relayed", `!!document.querySelector(".connect-conn .connect-relayed")`)
	xpShots(t, ctx, "connect-relay-list")
}

// TestConnectBackground: a day after the last pull, opening the app
// refreshes the connection by itself with a progress line on screen; what
// came waits in the import preview, and only the new entry is added.
func TestConnectBackground(t *testing.T) {
	fhir := startPortal(t, portaltest.Options{})
	s := startSite(t, "connect-bg")
	ctx, cancel := browser(t)
	defer cancel()
	importVaultWithProfile(t, ctx, s)
	xpNav(t, ctx, "/connect")
	xpSetInput(t, ctx, "#connect-url", fhir.FHIR, "input")
	xpRun(t, ctx, chromedp.Click("#connect-go", chromedp.ByQuery))
	if r := connectImport(t, ctx); !strings.Contains(r, "added") {
		t.Fatalf("first pull: %q", r)
	}
	// Opened again within the day: nothing is fetched.
	xpRun(t, ctx, chromedp.Reload())
	xpPoll(t, ctx, "unlock", `!!document.querySelector('main[data-mounted="true"] #unlock-pass')`)
	xpSetInput(t, ctx, "#unlock-pass", importTestPass, "input")
	xpClick(t, ctx, "#unlock")
	xpPoll(t, ctx, "unlocked", `!!document.querySelector('main[data-mounted="true"]') && location.pathname !== "/unlock"`)
	time.Sleep(time.Second) // time for a refresh that must not start
	var line string
	xpRun(t, ctx, chromedp.Evaluate(`document.querySelector("#connect-bg")?.textContent || ""`, &line))
	if line != "" {
		t.Errorf("refreshed within a day: %q", line)
	}

	// Something new at the health system, and two days pass: the page's
	// clock (Date, which Go's time.Now reads in the browser) runs ahead.
	if err := fhir.Load([]byte(`{"resourceType":"Condition","id":"cond-bg","clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical","code":"active"}]},"code":{"text":"Seasonal allergic rhinitis"},"subject":{"reference":"Patient/` + fhir.Patient() + `"},"onsetDateTime":"2026-11-20"}`)); err != nil {
		t.Fatal(err)
	}
	xpRun(t, ctx, chromedp.ActionFunc(func(ctx context.Context) error {
		_, err := page.AddScriptToEvaluateOnNewDocument(`(() => {
			const D = Date, ahead = 2 * 86400e3;
			class Later extends D {
				constructor(...a) { if (a.length === 0) { super(D.now() + ahead); } else { super(...a); } }
				static now() { return D.now() + ahead; }
			}
			window.Date = Later;
		})()`).Do(ctx)
		return err
	}))
	xpNav(t, ctx, "/timeline") // where the person was: the unlock returns there
	xpRun(t, ctx, chromedp.Reload())
	xpPoll(t, ctx, "unlock", `!!document.querySelector('main[data-mounted="true"] #unlock-pass')`)
	xpSetInput(t, ctx, "#unlock-pass", importTestPass, "input")
	xpClick(t, ctx, "#unlock")
	xpPoll(t, ctx, "the background refresh's line", `!!document.querySelector("#connect-bg-review")`)
	xpRun(t, ctx, chromedp.Text("#connect-bg", &line, chromedp.ByQuery))
	if !strings.Contains(line, "1 ") {
		t.Errorf("background line: %q", line)
	}
	xpShots(t, ctx, "connect-background")
	xpClick(t, ctx, "#connect-bg-review")
	xpPoll(t, ctx, "the refresh in the import preview", `location.pathname === "/import" && document.querySelector("#import")?.dataset.phase === "preview"`)
	if r := importIntoCurrent(t, ctx); !strings.Contains(r, "1 added") {
		t.Errorf("background refresh: %q", r)
	}
	xpNav(t, ctx, "/timeline")
	xpWaitText(t, ctx, "#timeline", "Seasonal allergic rhinitis")
}
