//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestDrafts: a visit's title and summary typed on the add form survive
// leaving the form (which asks first), a reload and the auto-lock (which
// warns first); after unlocking the app is back on the same page, scrolled
// where it was. New pages open at the top, and a focused field is never
// under the bottom bar.
func TestDrafts(t *testing.T) {
	s := startSite(t, "drafts")
	ctx, cancel := browser(t)
	defer cancel()
	answerDialogs(ctx, true) // reloading a form with changes: the browser asks, the person goes on
	importVaultWithProfile(t, ctx, s)
	const title, summary = "Knee check-up", "Swelling is down; keep icing twice a day."

	// Type, then tap another tab: the app asks first.
	xpNav(t, ctx, "/add/visit")
	xpSetInput(t, ctx, "#f-title", title, "input")
	xpSetInput(t, ctx, "#f-summary", summary, "input")
	xpClick(t, ctx, `.nav a[href="/timeline"]`)
	xpRun(t, ctx, chromedp.WaitVisible("#leave-ask", chromedp.ByID))
	screenshot(t, ctx, "drafts-leave-phone")
	xpClick(t, ctx, "#leave-stay")
	xpPoll(t, ctx, "still on the form", `location.pathname === "/add/visit" && !document.querySelector("#leave-ask") && document.querySelector("#f-title").value === `+xpQuote(title))
	xpClick(t, ctx, `.nav a[href="/timeline"]`)
	xpClick(t, ctx, "#leave-keep")
	xpPoll(t, ctx, "on the timeline", `location.pathname === "/timeline"`)

	// Back on the form: the draft is offered and restored.
	xpNav(t, ctx, "/add/visit")
	xpRun(t, ctx, chromedp.WaitVisible("#draft-offer", chromedp.ByID))
	screenshot(t, ctx, "drafts-offer-phone")
	xpClick(t, ctx, "#draft-restore")
	draftsWantFields(t, ctx, title, summary)

	// A reload locks; unlocking comes back to the form, scrolled as it was,
	// and the draft (kept encrypted in the vault) is offered again.
	xpRun(t, ctx, chromedp.Evaluate(`window.scrollTo(0, 300)`, nil))
	time.Sleep(2500 * time.Millisecond) // the draft reaches the vault 2 s after the last change
	draftsReloadUnlock(t, ctx, s)
	xpPoll(t, ctx, "back on the form", `location.pathname === "/add/visit"`)
	xpPoll(t, ctx, "scrolled back", `Math.abs(window.scrollY - 300) < 4`)
	xpRun(t, ctx, chromedp.WaitVisible("#draft-offer", chromedp.ByID))
	xpClick(t, ctx, "#draft-restore")
	draftsWantFields(t, ctx, title, summary)

	// A place further down than the page reaches (its content still
	// coming, say): the app keeps trying to get there, but once the page is
	// scrolled by anyone else it stops and stays where they went (before,
	// it pulled the page back down under a button about to be tapped).
	time.Sleep(2500 * time.Millisecond)
	xpRun(t, ctx, chromedp.Reload())
	xpPoll(t, ctx, "unlock page", `location.pathname === "/unlock" && !!document.querySelector('main[data-mounted="true"] #unlock-pass')`)
	xpRun(t, ctx, chromedp.Evaluate(`(() => { const w = JSON.parse(sessionStorage.getItem("backpack.where")); w.scroll = 100000; sessionStorage.setItem("backpack.where", JSON.stringify(w)); return true })()`, nil))
	xpSetInput(t, ctx, "#unlock-pass", importTestPass, "input")
	xpClick(t, ctx, "#unlock")
	xpPoll(t, ctx, "back on the form, at its end", `location.pathname === "/add/visit" && window.scrollY > 100`)
	xpRun(t, ctx, chromedp.Evaluate(`window.scrollTo(0, 0)`, nil))
	time.Sleep(500 * time.Millisecond)
	var y float64
	xpRun(t, ctx, chromedp.Evaluate(`window.scrollY`, &y))
	if y != 0 {
		t.Errorf("scrolled to the top, the page went back to %v", y)
	}
	xpClick(t, ctx, "#draft-restore")
	draftsWantFields(t, ctx, title, summary)

	// Auto-lock (shortened to 8 s): a warning first, "Stay unlocked" keeps it open.
	xpRun(t, ctx, chromedp.Evaluate(`localStorage.setItem("backpack.autolock.s", "8")`, nil))
	xpSetInput(t, ctx, "#f-reason", "Follow-up after the fall", "input")
	draftsPollLong(t, ctx, "the warning", `!!document.querySelector("#idle-warning")`, 20*time.Second)
	screenshot(t, ctx, "drafts-idle-phone")
	xpClick(t, ctx, "#stay-unlocked")
	xpPoll(t, ctx, "warning gone", `!document.querySelector("#idle-warning") && location.pathname === "/add/visit"`)
	// Then no one touches it: it locks, drafts saved, and unlock comes back here.
	draftsPollLong(t, ctx, "locked", `location.pathname === "/unlock"`, 30*time.Second)
	xpRun(t, ctx, chromedp.Evaluate(`localStorage.removeItem("backpack.autolock.s")`, nil))
	xpPoll(t, ctx, "unlock page", `!!document.querySelector('main[data-mounted="true"] #unlock-pass')`)
	xpSetInput(t, ctx, "#unlock-pass", importTestPass, "input")
	xpClick(t, ctx, "#unlock")
	xpPoll(t, ctx, "back on the form after the auto-lock", `location.pathname === "/add/visit"`)
	xpRun(t, ctx, chromedp.WaitVisible("#draft-offer", chromedp.ByID))
	xpClick(t, ctx, "#draft-restore")
	draftsWantFields(t, ctx, title, summary)
	xpPoll(t, ctx, "reason kept", `document.querySelector("#f-reason").value === "Follow-up after the fall"`)

	// Saving the entry clears the draft.
	xpSetInput(t, ctx, "#f-date", "2024-05-02", "input")
	xpClick(t, ctx, "#save")
	xpPoll(t, ctx, "entry page", `location.pathname.startsWith("/entry/")`)
	var entry string
	xpRun(t, ctx, chromedp.Evaluate(`location.pathname`, &entry))

	// A note typed on the entry is a draft too.
	xpSetInput(t, ctx, "#note-text", "Ask about physiotherapy", "input")
	xpClick(t, ctx, `.nav a[href="/files"]`)
	xpClick(t, ctx, "#leave-keep")
	xpPoll(t, ctx, "files page", `location.pathname === "/files"`)
	xpNav(t, ctx, entry)
	xpRun(t, ctx, chromedp.WaitVisible("#note-draft-offer", chromedp.ByID))
	xpClick(t, ctx, "#note-draft-restore")
	xpPoll(t, ctx, "note restored", `document.querySelector("#note-text").value === "Ask about physiotherapy"`)
	xpClick(t, ctx, "#note-add")
	xpWaitText(t, ctx, "#notes", "Ask about physiotherapy")

	xpNav(t, ctx, "/add/visit")
	time.Sleep(300 * time.Millisecond)
	if xpExists(t, ctx, "#draft-offer") {
		t.Error("a saved form still offers its draft")
	}

	// Another person, chosen, then a reload: unlocking comes back to them.
	xpNav(t, ctx, "/profiles")
	xpClick(t, ctx, "#profile-add")
	xpSetInput(t, ctx, "#profile-name", "Robin Example", "input")
	xpSetInput(t, ctx, "#profile-birth", "2012-03-04", "input")
	xpSetInput(t, ctx, "#profile-rel", "child", "change")
	xpClick(t, ctx, "#profile-save")
	xpWaitText(t, ctx, "#people", "Robin Example")
	xpClick(t, ctx, ".person:not(.current) .switch")
	xpPoll(t, ctx, "Robin chosen", `location.pathname === "/summary" && document.querySelector(".profile-switch").textContent.includes("Robin")`)
	xpNav(t, ctx, "/timeline")
	draftsReloadUnlock(t, ctx, s)
	xpPoll(t, ctx, "back on Robin's timeline", `location.pathname === "/timeline" && document.querySelector(".profile-switch").textContent.includes("Robin")`)

	// A deep link opened in a new tab: unlocking goes there, not to the summary.
	tab, cancelTab := chromedp.NewContext(ctx)
	defer cancelTab()
	if err := chromedp.Run(tab, phone()); err != nil {
		t.Fatal(err)
	}
	xpGo(t, tab, s.URL(entry))
	xpPoll(t, tab, "unlock page", `location.pathname === "/unlock" && !!document.querySelector('main[data-mounted="true"] #unlock-pass')`)
	xpSetInput(t, tab, "#unlock-pass", importTestPass, "input")
	xpClick(t, tab, "#unlock")
	xpPoll(t, tab, "the linked entry", `location.pathname === `+xpQuote(entry))
	xpWaitText(t, tab, "#notes", "Ask about physiotherapy")
}

func draftsWantFields(t *testing.T, ctx context.Context, title, summary string) {
	t.Helper()
	xpPoll(t, ctx, "fields restored", fmt.Sprintf(`document.querySelector("#f-title").value === %s && document.querySelector("#f-summary").value === %s`,
		xpQuote(title), xpQuote(summary)))
}

// draftsReloadUnlock reloads the page (which locks) and unlocks.
func draftsReloadUnlock(t *testing.T, ctx context.Context, s *site) {
	t.Helper()
	xpRun(t, ctx, chromedp.Reload())
	xpPoll(t, ctx, "unlock page", `location.pathname === "/unlock" && !!document.querySelector('main[data-mounted="true"] #unlock-pass')`)
	xpSetInput(t, ctx, "#unlock-pass", importTestPass, "input")
	xpClick(t, ctx, "#unlock")
}

func draftsPollLong(t *testing.T, ctx context.Context, what, expr string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		var ok bool
		if err := chromedp.Run(ctx, chromedp.Evaluate(expr, &ok)); err == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	screenshot(t, ctx, "failed-drafts-"+what)
	t.Fatalf("timed out waiting for %s", what)
}

// TestPagePlacement: a new page opens at the top, and a focused field is
// never hidden under the bottom bar (phone layout).
func TestPagePlacement(t *testing.T) {
	s := startSite(t, "placement")
	ctx, cancel := browser(t)
	defer cancel()
	importVaultWithProfile(t, ctx, s)
	xpNav(t, ctx, "/add/visit")
	// A focused field is never under the bottom bar.
	// The field's top edge just shows above the bottom of the screen, where
	// the bar is: focusing it (Tab, or the form's error focus) must bring it
	// out from under the bar.
	var hidden bool
	xpRun(t, ctx, chromedp.Evaluate(`(() => { const el = document.querySelector("#f-instructions");
		window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - window.innerHeight + 40);
		el.focus();
		return new Promise(ok => requestAnimationFrame(() => requestAnimationFrame(() => {
			const bar = document.querySelector(".nav").getBoundingClientRect();
			ok(el.getBoundingClientRect().bottom > bar.top); }))); })()`, &hidden, awaitPromise))
	if hidden {
		screenshot(t, ctx, "failed-drafts-focus")
		t.Error("the focused field is under the bottom bar")
	}

	// A new page opens at the top.
	xpNav(t, ctx, "/more")
	xpRun(t, ctx, chromedp.Evaluate(`document.body.style.minHeight = "3000px"; window.scrollTo(0, 800)`, nil))
	xpClick(t, ctx, `.nav a[href="/timeline"]`)
	xpPoll(t, ctx, "timeline", `location.pathname === "/timeline"`)
	var y int
	xpRun(t, ctx, chromedp.Evaluate(`window.scrollY`, &y))
	if y != 0 {
		t.Errorf("the new page opened scrolled to %d", y)
	}
}
