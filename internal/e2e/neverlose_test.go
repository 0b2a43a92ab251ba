//go:build e2e

package e2e

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// dialogs answers the page's JavaScript dialogs (the browser's "Leave
// site?" of beforeunload) with the answer set, and counts them by type.
type dialogs struct {
	mu     sync.Mutex
	accept bool
	seen   map[page.DialogType]int
}

func answerDialogs(ctx context.Context, accept bool) *dialogs {
	d := &dialogs{accept: accept, seen: map[page.DialogType]int{}}
	chromedp.ListenTarget(ctx, func(ev any) {
		e, ok := ev.(*page.EventJavascriptDialogOpening)
		if !ok {
			return
		}
		d.mu.Lock()
		d.seen[e.Type]++
		accept := d.accept
		d.mu.Unlock()
		go chromedp.Run(ctx, page.HandleJavaScriptDialog(accept))
	})
	return d
}

func (d *dialogs) set(accept bool) {
	d.mu.Lock()
	d.accept = accept
	d.mu.Unlock()
}

func (d *dialogs) count(typ page.DialogType) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.seen[typ]
}

// TestLeaveFormByHistory: the browser's back button on a form with changes
// asks first, as a link does (the address stays the form's while asking,
// and "Keep editing" keeps every word); leaving keeps the draft and lands
// where the button was going. Reloading or closing the tab makes the
// browser ask; saying no keeps the page, unlocked, with what was typed.
func TestLeaveFormByHistory(t *testing.T) {
	s := startSite(t, "leavehist")
	ctx, cancel := browser(t)
	defer cancel()
	dl := answerDialogs(ctx, false)
	importVaultWithProfile(t, ctx, s)
	const title = "Knee check-up"

	xpNav(t, ctx, "/timeline")
	xpNav(t, ctx, "/add/visit")
	xpClick(t, ctx, "#f-title") // a real click: the page now has a user gesture, as a person's would
	xpSetInput(t, ctx, "#f-title", title, "input")
	wantTitle := `document.querySelector("#f-title") && document.querySelector("#f-title").value === ` + xpQuote(title)

	// Back: asked first, still on the form.
	xpRun(t, ctx, chromedp.Evaluate(`history.back()`, nil))
	xpRun(t, ctx, chromedp.WaitVisible("#leave-ask", chromedp.ByID))
	xpPoll(t, ctx, "the form's address while asking", `location.pathname === "/add/visit" && `+wantTitle)
	screenshot(t, ctx, "leave-back-phone")
	xpClick(t, ctx, "#leave-stay")
	xpPoll(t, ctx, "still on the form", `!document.querySelector("#leave-ask") && location.pathname === "/add/visit" && `+wantTitle)

	// Back again, and leave: the timeline, and the draft kept.
	xpRun(t, ctx, chromedp.Evaluate(`history.back()`, nil))
	xpRun(t, ctx, chromedp.WaitVisible("#leave-ask", chromedp.ByID))
	xpClick(t, ctx, "#leave-keep")
	xpPoll(t, ctx, "on the timeline", `location.pathname === "/timeline" && !document.querySelector("#leave-ask")`)
	// Forward comes back to the form, which offers the draft.
	xpRun(t, ctx, chromedp.Evaluate(`history.forward()`, nil))
	xpPoll(t, ctx, "back on the form", `location.pathname === "/add/visit"`)
	xpRun(t, ctx, chromedp.WaitVisible("#draft-offer", chromedp.ByID))
	xpClick(t, ctx, "#draft-restore")
	xpPoll(t, ctx, "draft restored", wantTitle)

	// A reload with changes: the browser asks; "stay" keeps everything.
	time.Sleep(2500 * time.Millisecond) // even with the draft in the vault, the browser asks
	xpRun(t, ctx, chromedp.Evaluate(`setTimeout(() => location.reload(), 0)`, nil))
	deadline := time.Now().Add(10 * time.Second)
	for dl.count(page.DialogTypeBeforeunload) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if dl.count(page.DialogTypeBeforeunload) == 0 {
		t.Fatal("reloading a form with changes did not ask")
	}
	time.Sleep(300 * time.Millisecond)
	xpPoll(t, ctx, "still on the form, unlocked", `location.pathname === "/add/visit" && !!document.querySelector("#lock") && `+wantTitle)

	// Leaving a form with nothing changed does not ask.
	xpClick(t, ctx, "#f-title")
	xpNav(t, ctx, "/timeline")
	before := dl.count(page.DialogTypeBeforeunload)
	xpRun(t, ctx, chromedp.Evaluate(`history.back()`, nil))
	xpPoll(t, ctx, "back on the form, not asked", `location.pathname === "/add/visit" && !document.querySelector("#leave-ask")`)
	xpRun(t, ctx, chromedp.WaitVisible("#draft-offer", chromedp.ByID))
	xpRun(t, ctx, chromedp.Evaluate(`history.back()`, nil))
	xpPoll(t, ctx, "timeline, not asked", `location.pathname === "/timeline" && !document.querySelector("#leave-ask")`)
	dl.set(true)
	xpRun(t, ctx, chromedp.Reload())
	xpPoll(t, ctx, "unlock page", `location.pathname === "/unlock"`)
	if n := dl.count(page.DialogTypeBeforeunload); n != before {
		t.Errorf("a page without changes asked %d times on reload", n-before)
	}
}
