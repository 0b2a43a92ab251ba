//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// TestTwoTabs opens one vault in two tabs (two targets of one browser
// context share IndexedDB) and does what lost data before: a note added in
// tab A and then in tab B on the same entry; an entry deleted in A and then
// noted in B; the same file imported in both. Nothing may be lost, nothing
// deleted may come back, nothing may be doubled.
func TestTwoTabs(t *testing.T) {
	s := startSite(t, "tabs")
	a, cancel := browser(t)
	defer cancel()
	importVaultWithProfile(t, a, s)

	b, cancelB := chromedp.NewContext(a) // a second tab, same profile and storage
	defer cancelB()
	// The first Run opens the tab; it must not run under a shorter context
	// (its end would close the tab).
	if err := chromedp.Run(b, phone()); err != nil {
		t.Fatal(err)
	}
	tabsFront(t, b)
	xpGo(t, b, s.URL("/unlock"))
	xpRun(t, b, chromedp.WaitVisible("#unlock-pass", chromedp.ByID))
	xpSetInput(t, b, "#unlock-pass", importTestPass, "input")
	xpClick(t, b, "#unlock")
	xpPoll(t, b, "unlocked", `location.pathname !== "/unlock" && !!document.querySelector("#lock")`)

	// The same file, previewed in both tabs, confirmed in A then in B.
	bundle := importFHIRFixture("transaction.json")
	for _, tab := range []context.Context{a, b} {
		tabsFront(t, tab)
		openImportPage(t, tab)
		importUpload(t, tab, bundle)
		waitImportPhase(t, tab, "preview", time.Minute)
	}
	tabsFront(t, a)
	importStep(t, a, "confirm in A", chromedp.Click(`#import-confirm`, chromedp.ByQuery))
	waitImportPhase(t, a, "done", time.Minute)
	tabsFront(t, b)
	importStep(t, b, "confirm in B", chromedp.Click(`#import-confirm`, chromedp.ByQuery))
	waitImportPhase(t, b, "done", time.Minute)
	if got := readImportCards(t, b)["transaction.json"].Result; !strings.Contains(got, "0 added") {
		t.Errorf("tab B imported again: %q", got)
	}
	tabsFront(t, a)
	xpNav(t, a, "/timeline")
	xpPoll(t, a, "entries", `document.querySelectorAll("#timeline .entry-item").length > 1`)
	want := len(tabsTimeline(t, a, -1))
	tabsFront(t, b)
	xpNav(t, b, "/timeline")
	ids := tabsTimeline(t, b, want) // not doubled
	noted, deleted := ids[0], ids[1]

	// A note in A, then one in B on the same entry: both kept.
	for _, tab := range []context.Context{a, b} {
		tabsFront(t, tab)
		xpNav(t, tab, "/entry/"+noted)
		xpRun(t, tab, chromedp.WaitVisible("#note-text", chromedp.ByID))
	}
	// B starts typing first (so it does not redraw under the person's
	// fingers), A adds its note, then B adds its own.
	tabsFront(t, b)
	xpSetInput(t, b, "#note-text", "Note typed in tab B", "input")
	tabsFront(t, a)
	xpSetInput(t, a, "#note-text", "Note typed in tab A", "input")
	xpClick(t, a, "#note-add")
	xpWaitText(t, a, "#notes", "Note typed in tab A")
	tabsFront(t, b)
	xpPoll(t, b, "B offers A's change", `!!document.querySelector("#tabs-changed")`)
	xpClick(t, b, "#note-add")
	xpWaitText(t, b, "#notes", "Note typed in tab B")
	xpWaitText(t, b, "#notes", "Note typed in tab A")
	tabsFront(t, a)
	xpWaitText(t, a, "#notes", "Note typed in tab B") // A follows B live
	screenshot(t, a, "tabs-notes-phone")

	// Deleted in A, then noted in B: it stays deleted, and B says so.
	for _, tab := range []context.Context{a, b} {
		tabsFront(t, tab)
		xpNav(t, tab, "/entry/"+deleted)
		xpRun(t, tab, chromedp.WaitVisible("#note-text", chromedp.ByID))
	}
	tabsFront(t, b)
	xpSetInput(t, b, "#note-text", "Typed in B before A deleted", "input")
	tabsFront(t, a)
	xpClick(t, a, "#delete")
	xpClick(t, a, "#delete-yes")
	xpPoll(t, a, "timeline after delete", `location.pathname === "/timeline"`)
	tabsFront(t, b)
	xpClick(t, b, "#note-add")
	xpPoll(t, b, "B told the entry is gone", `(document.querySelector("main").textContent || "").includes("deleted")`)
	if !xpExists(t, b, "#note-text") || !xpExists(t, b, "#tabs-changed") {
		t.Error("B lost the note typed, or does not offer A's change")
	}
	screenshot(t, b, "tabs-deleted-phone")
	for name, tab := range map[string]context.Context{"A": a, "B": b} {
		tabsFront(t, tab)
		xpNav(t, tab, "/more")
		xpNav(t, tab, "/timeline")
		got := tabsTimeline(t, tab, want-1)
		for _, id := range got {
			if id == deleted {
				t.Errorf("tab %s: the entry deleted in A came back", name)
			}
		}
	}
	// And after a reload of A (a fresh read of the vault) both notes are there.
	tabsFront(t, a)
	xpGo(t, a, s.URL("/unlock"))
	xpSetInput(t, a, "#unlock-pass", importTestPass, "input")
	xpClick(t, a, "#unlock")
	xpPoll(t, a, "unlocked", `location.pathname !== "/unlock" && !!document.querySelector("#lock")`)
	xpNav(t, a, "/entry/"+noted)
	xpWaitText(t, a, "#notes", "Note typed in tab A")
	xpWaitText(t, a, "#notes", "Note typed in tab B")
}

// tabsTimeline waits for n entries on the timeline (n < 0: any) and returns their ids.
func tabsTimeline(t *testing.T, ctx context.Context, n int) []string {
	t.Helper()
	if n >= 0 {
		xpPoll(t, ctx, fmt.Sprintf("%d entries", n), fmt.Sprintf(`document.querySelectorAll("#timeline .entry-item").length === %d`, n))
	}
	var ids []string
	xpRun(t, ctx, chromedp.Evaluate(`[...document.querySelectorAll("#timeline .entry-item")].map(e => e.dataset.id)`, &ids))
	return ids
}

// tabsFront brings a tab to the front: a tab in the background gets no
// animation frames (which the helpers wait for).
func tabsFront(t *testing.T, ctx context.Context) {
	t.Helper()
	xpRun(t, ctx, page.BringToFront())
}
