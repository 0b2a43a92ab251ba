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

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// axePath is axe-core, pinned in tools/axe/package-lock.json and installed
// by `make deps` (npm ci).
var axePath = filepath.Join("..", "..", "tools", "axe", "node_modules", "axe-core", "axe.min.js")

// axeViolation is one rule axe-core found broken, with a few of its nodes.
type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// axeCheck injects axe-core into the page (once per document) and fails
// the test on every violation it finds.
func axeCheck(t *testing.T, ctx context.Context, src, page string) {
	t.Helper()
	time.Sleep(150 * time.Millisecond) // let the last render settle
	var loaded bool
	recRun(t, ctx, chromedp.Evaluate(`typeof window.axe === "object"`, &loaded))
	if !loaded {
		recRun(t, ctx, chromedp.Evaluate(src, nil))
	}
	var vs []axeViolation
	recRun(t, ctx, chromedp.Evaluate(`axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v => ({
		id: v.id, impact: v.impact || "", help: v.help,
		nodes: v.nodes.slice(0, 4).map(n => n.target.join(" ") + " " + (n.html || "").slice(0, 140))})))`, &vs,
		func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	for _, v := range vs {
		t.Errorf("axe %s: %s (%s): %s\n\t%s", page, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n\t"))
	}
}

// billingBundle is a few claims and explanations of benefit, as portals
// export them next to the clinical record.
func billingBundle(t *testing.T) string {
	var entries []any
	for i := 0; i < 6; i++ {
		typ := "Claim"
		if i%2 == 1 {
			typ = "ExplanationOfBenefit"
		}
		r := map[string]any{"resourceType": typ, "id": fmt.Sprintf("b%d", i), "status": "active",
			"created": fmt.Sprintf("2024-03-%02dT10:00:00Z", 3+i),
			"item":    []any{map[string]any{"sequence": 1, "productOrService": map[string]any{"text": "Office visit"}}},
			"total":   map[string]any{"value": 100 + i, "currency": "USD"}}
		entries = append(entries, map[string]any{"fullUrl": fmt.Sprintf("urn:uuid:10000000-0000-0000-0000-%012d", i), "resource": r})
	}
	b, _ := json.Marshal(map[string]any{"resourceType": "Bundle", "type": "collection", "entry": entries})
	path := filepath.Join(t.TempDir(), "claims.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestAccessibilityAndPhoneLayout visits every page in one browser session
// and runs axe-core on each (no violation allowed); on the way it checks the
// phone layout (the timeline's first entry in the top third of a 390×844
// screen, the summary's lab table within the width with value, range and
// flag visible), that billing stays out of the timeline until asked for,
// and saves phone and desktop screenshots of the timeline, the summary and
// the import preview.
func TestAccessibilityAndPhoneLayout(t *testing.T) {
	src, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatalf("axe-core is missing (run `make deps`): %v", err)
	}
	axe := string(src)
	s := startSite(t, "a11y")
	ctx, cancel := browser(t)
	defer cancel()

	// Before any vault: the welcome, set-up and provider view pages.
	recRun(t, ctx, chromedp.Navigate(s.URL("/")))
	recPoll(t, ctx, "home mounted", `!!document.querySelector('main[data-mounted="true"]')`)
	axeCheck(t, ctx, axe, "/")
	for _, p := range []string{"/about", "/view", "/setup"} {
		recNav(t, ctx, p)
		axeCheck(t, ctx, axe, p)
	}

	recSetup(t, ctx, s)
	fsImport(t, ctx, portalBundle(t))
	// The import preview, in plain words, before saving the claims.
	fsClick(t, ctx, "#import-clear")
	fsRun(t, ctx, "import page", chromedp.WaitVisible(`#import-files`, chromedp.ByQuery),
		chromedp.SetUploadFiles(`#import-files`, []string{billingBundle(t)}, chromedp.ByQuery))
	// The earlier file's preview may still be on the page for a moment
	// after Clear: wait for this file's, then read it.
	recPoll(t, ctx, `"6 billing records" in the preview`, `[...document.querySelectorAll('.import-kinds')].some(e => e.textContent.includes('6 billing records'))`)
	recWait(t, ctx, ".import-billing")
	recShots(t, ctx, "ui-import-preview")
	recRun(t, ctx, phone())
	axeCheck(t, ctx, axe, "/import (preview)")
	fsClick(t, ctx, "#import-confirm")
	fsWait(t, ctx, "import done", `document.querySelector('#import-done')`, time.Minute)
	axeCheck(t, ctx, axe, "/import (done)")

	// Timeline: billing hidden until its chip is pressed; the first entry
	// starts in the top third of the phone screen.
	recNav(t, ctx, "/timeline")
	recWait(t, ctx, "#timeline .entry-item")
	var billingShown int
	recRun(t, ctx, chromedp.Evaluate(`document.querySelectorAll('#timeline [data-kind="billing"]').length`, &billingShown))
	if billingShown != 0 {
		t.Errorf("timeline lists %d billing entries before they are asked for", billingShown)
	}
	recContains(t, ctx, "#chip-billing", "Billing (6)")
	var top float64
	recRun(t, ctx, chromedp.Evaluate(`document.querySelector('#timeline .entry-item').getBoundingClientRect().top`, &top))
	if top > 844.0/3 {
		t.Errorf("phone: the timeline's first entry starts at %.0f px, below the top third (281 px)", top)
	}
	recShots(t, ctx, "ui-timeline")
	recRun(t, ctx, phone())
	axeCheck(t, ctx, axe, "/timeline")
	recClick(t, ctx, "#chip-billing")
	recWait(t, ctx, `#timeline [data-kind="billing"]`)
	recClick(t, ctx, "#chip-billing")
	recPoll(t, ctx, "billing hidden again", `!document.querySelector('#timeline [data-kind="billing"]')`)

	// Summary: the lab table fits the phone's width, value, range and flag
	// in view.
	recNav(t, ctx, "/summary")
	recWait(t, ctx, ".labs-table")
	var fit struct {
		PageWidth, TableRight, View float64
		Hidden                      []string
	}
	recRun(t, ctx, chromedp.Evaluate(`(() => {
		const view = document.documentElement.clientWidth, hidden = [];
		const table = document.querySelector('.labs-table');
		if (!table.querySelector('.lab-value .badge')) hidden.push('no flag badge');
		for (const el of table.querySelectorAll('.lab-value, .lab-range, .lab-value .badge')) {
			const r = el.getBoundingClientRect();
			if ((r.width === 0 && el.textContent) || r.right > view + 0.5 || r.left < -0.5) hidden.push(el.className + ' "' + el.textContent + '" at ' + r.left + '..' + r.right);
		}
		return {PageWidth: document.documentElement.scrollWidth, TableRight: table.getBoundingClientRect().right, View: view, Hidden: hidden};
	})()`, &fit))
	if fit.PageWidth > fit.View+0.5 || fit.TableRight > fit.View+0.5 || len(fit.Hidden) > 0 {
		t.Errorf("phone summary does not fit: page %.0f, table right %.0f, view %.0f, not visible: %v", fit.PageWidth, fit.TableRight, fit.View, fit.Hidden)
	}
	recShots(t, ctx, "ui-summary")
	recRun(t, ctx, phone())
	axeCheck(t, ctx, axe, "/summary")

	// An entry, its trend and its edit form.
	var lab string
	recRun(t, ctx, chromedp.Evaluate(`(document.querySelector('.labs-table a[href^="/entry/"]') || {}).getAttribute('href') || ''`, &lab))
	if lab == "" {
		t.Fatal("no lab entry on the summary")
	}
	id := strings.TrimPrefix(lab, "/entry/")
	for _, p := range []string{"/entry/" + id, "/trend/" + id, "/edit/" + id} {
		recNav(t, ctx, p)
		recPoll(t, ctx, "page content "+p, `document.querySelector('main').textContent.length > 40`)
		axeCheck(t, ctx, axe, p)
	}
	for _, p := range []string{"/add/", "/add/lab", "/emergency", "/files", "/flags", "/questions", "/export",
		"/restore", "/share", "/wallet", "/more", "/settings", "/profiles"} {
		recNav(t, ctx, p)
		axeCheck(t, ctx, axe, p)
	}
	// A second person: the person picker joins the search row, and the
	// timeline still starts in the top third.
	recClick(t, ctx, "#profile-add")
	recWait(t, ctx, "#profile-form")
	axeCheck(t, ctx, axe, "/profiles (adding a person)")
	recSet(t, ctx, "#profile-name", "Sam Example")
	recClick(t, ctx, "#profile-save")
	recWaitCount(t, ctx, "#people > li", 2)
	recNav(t, ctx, "/timeline")
	recWait(t, ctx, "#profile")
	recRun(t, ctx, chromedp.Evaluate(`(() => { const s = document.querySelector('#profile');
		s.value = [...s.options].find(o => o.textContent === 'Robin Example').value;
		s.dispatchEvent(new Event('change', {bubbles: true})); })()`, nil))
	recWait(t, ctx, "#timeline .entry-item")
	recRun(t, ctx, chromedp.Evaluate(`document.querySelector('#timeline .entry-item').getBoundingClientRect().top`, &top))
	if top > 844.0/3 {
		t.Errorf("phone, two people: the timeline's first entry starts at %.0f px, below the top third (281 px)", top)
	}
	screenshot(t, ctx, "ui-timeline-two-people-phone")
	axeCheck(t, ctx, axe, "/timeline (two people)")
	recClick(t, ctx, "#lock")
	recPoll(t, ctx, "unlock page", `location.pathname === "/unlock" && !!document.querySelector('main[data-mounted="true"]')`)
	axeCheck(t, ctx, axe, "/unlock")

	// In Spanish: the unlock page, then the timeline's counts and layout.
	recRun(t, ctx, chromedp.Evaluate(`(() => { const s = document.querySelector('select.lang'); s.value = 'es';
		s.dispatchEvent(new Event('change', {bubbles: true})); })()`, nil))
	recPoll(t, ctx, "unlock page in Spanish", `document.querySelector('#unlock') && document.querySelector('#unlock').textContent !== 'Unlock' && !!document.querySelector('main[data-mounted="true"]')`)
	axeCheck(t, ctx, axe, "/unlock (es)")
	recSet(t, ctx, "#unlock-pass", "record test passphrase, long enough 7")
	recClick(t, ctx, "#unlock")
	recPoll(t, ctx, "unlocked", `location.pathname !== "/unlock"`)
	recNav(t, ctx, "/timeline")
	recWait(t, ctx, "#timeline .entry-item")
	recContains(t, ctx, "#chip-billing", "Facturación (6)")
	recContains(t, ctx, "#count", "registros")
	recRun(t, ctx, chromedp.Evaluate(`document.querySelector('#timeline .entry-item').getBoundingClientRect().top`, &top))
	if top > 844.0/3 {
		t.Errorf("phone, Spanish: the timeline's first entry starts at %.0f px, below the top third", top)
	}
	screenshot(t, ctx, "ui-timeline-es-phone")
	axeCheck(t, ctx, axe, "/timeline (es)")
	recNav(t, ctx, "/summary")
	recWait(t, ctx, ".labs-table")
	screenshot(t, ctx, "ui-summary-es-phone")
	axeCheck(t, ctx, axe, "/summary (es)")
}
