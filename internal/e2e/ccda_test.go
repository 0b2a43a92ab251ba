//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestCCDANarrative imports a visit summary and opens its assessment note:
// the document's table and list show as a real table and list, with
// nothing of the file's markup; the visit's clinicians are the care team
// offered for an amendment request, each person once.
func TestCCDANarrative(t *testing.T) {
	s := startSite(t, "ccda")
	ctx, cancel := browser(t)
	defer cancel()
	importVaultWithProfile(t, ctx, s)
	openImportPage(t, ctx)
	importUpload(t, ctx, importCCDAFixture("visit.xml"))
	waitImportPhase(t, ctx, "preview", time.Minute)
	importStep(t, ctx, "confirm", chromedp.Click(`#import-confirm`, chromedp.ByQuery))
	waitImportPhase(t, ctx, "done", time.Minute)

	recNav(t, ctx, "/timeline")
	recPoll(t, ctx, "assessment in the timeline",
		`[...document.querySelectorAll('#timeline .entry-item')].some(e => e.textContent.includes('Assessment'))`)
	var id string
	recRun(t, ctx, chromedp.Evaluate(`[...document.querySelectorAll('#timeline .entry-item')].find(e => e.textContent.includes('Assessment')).dataset.id`, &id))
	recNav(t, ctx, "/entry/"+id)
	recPoll(t, ctx, "narrative", `!!document.querySelector('#narrative table')`)
	var cells, items []string
	var links, scripts int
	recRun(t, ctx,
		chromedp.Evaluate(`[...document.querySelectorAll('#narrative th, #narrative td')].map(c => c.textContent.trim())`, &cells),
		chromedp.Evaluate(`[...document.querySelectorAll('#narrative ul li')].map(c => c.textContent)`, &items),
		chromedp.Evaluate(`document.querySelectorAll('#narrative a, #narrative script, #narrative [style]').length`, &links),
		chromedp.Evaluate(`document.querySelectorAll('#narrative img').length`, &scripts))
	if strings.Join(cells[:3], "|") != "Finding|Plan|Bronchitis" || strings.Join(items, "|") != "Rest|Fluids" {
		t.Errorf("narrative cells %v, items %v", cells, items)
	}
	if links+scripts != 0 {
		t.Errorf("markup from the file in the page: %d", links+scripts)
	}
	screenshot(t, ctx, "ccda-narrative-phone")
	importStep(t, ctx, "desktop", desktop())
	screenshot(t, ctx, "ccda-narrative-desktop")
	importStep(t, ctx, "phone", phone())

	// The amendment request offers the visit's clinicians, each once.
	importStep(t, ctx, "flag",
		chromedp.Click(`#flag`, chromedp.ByQuery),
		chromedp.SendKeys(`#flag-note`, "The plan is not what we agreed", chromedp.ByQuery),
		chromedp.Click(`#flag-save`, chromedp.ByQuery),
		chromedp.WaitVisible(`#flag-card`, chromedp.ByQuery))
	recNav(t, ctx, "/flags")
	recPoll(t, ctx, "providers", `!!document.querySelector('#provider-pick option + option')`)
	var opts []string
	recRun(t, ctx, chromedp.Evaluate(`[...document.querySelectorAll('#provider-pick option')].map(o => o.textContent)`, &opts))
	t.Logf("providers offered: %v", opts)
	henry := 0
	for _, o := range opts {
		if strings.Contains(o, "Henry Seven") {
			henry++
		}
	}
	if henry != 1 || !strings.Contains(strings.Join(opts, "|"), "Good Health Clinic") {
		t.Errorf("providers offered %v", opts)
	}
}
