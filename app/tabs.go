package ui

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/record"
	"backpack/internal/session"
	"backpack/internal/vault"
)

// Tabs: every write to the vault runs under a lock all tabs share (Web
// Locks, see session and idbstore) after taking in what the others wrote.
// A tab that is only looking follows the others live: they announce
// "changed" (nothing else) on a BroadcastChannel; this tab then reloads the
// vault's headers and shows the page again.

var tabsFollow struct {
	once sync.Once
	mu   sync.Mutex
	ctx  app.Context // the shell of the page on screen
	has  bool
	n    int
	// pending: another tab changed the vault while the person was typing;
	// the shell offers to show it.
	pending bool
	// busy: a change of this tab waits for another tab's long write (an
	// import, a restore); the shell says so.
	busy bool
}

// waiter is a store that tells when a write waits for another tab.
type waiter interface{ OnWait(fn func(waiting bool)) }

// watcher is a store that tells when another tab changed it.
type watcher interface{ Watch(fn func()) }

// followTabs starts listening to the other tabs (once).
func followTabs() {
	tabsFollow.once.Do(func() {
		s, err := store(context.Background())
		if err != nil {
			return
		}
		if w, ok := s.(watcher); ok {
			w.Watch(otherTabChanged)
		}
		if w, ok := s.(waiter); ok {
			w.OnWait(func(waiting bool) {
				tabsFollow.mu.Lock()
				tabsFollow.busy = waiting
				tabsFollow.mu.Unlock()
				updateShell()
			})
		}
	})
}

// showingPage remembers the context of the page on screen.
func showingPage(ctx app.Context) {
	tabsFollow.mu.Lock()
	tabsFollow.ctx, tabsFollow.has = ctx, true
	tabsFollow.pending = false // a page shown afresh reads the book afresh
	tabsFollow.mu.Unlock()
}

// pathsKeptStill are pages that hold work in progress of their own (a
// preview, a file being read, a key being typed): they are not shown again
// when another tab writes; their own write re-reads under the lock anyway.
var pathsKeptStill = []string{PathImport, PathExport, PathRestore, PathShare, PathView, PathSetup, PathUnlock, PathSettings}

// pathsFollowedLive are pages that only show the record: they are shown
// again at once when another tab writes (unless the person is typing).
// Other pages (a search, filters, a form) offer "Show the changes" instead,
// so that nothing the person set is reset under them.
var pathsFollowedLive = []string{PathSummary, PathEmergency, PathEntry, PathProfiles, PathQuestions, PathTrend}

func hasPrefix(path string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// updateShell draws the shell of the page on screen again (a warning or a
// question to show or take away).
func updateShell() { updateShellFocus("") }

// updateShellFocus draws the shell again, then moves the focus to the
// element with id (when not "").
func updateShellFocus(id string) {
	tabsFollow.mu.Lock()
	ctx, ok := tabsFollow.ctx, tabsFollow.has
	tabsFollow.mu.Unlock()
	if ok {
		ctx.Dispatch(func(ctx app.Context) {
			if id != "" {
				vaultFocus(ctx, id)
			}
		})
	}
}

func otherTabChanged() {
	s := current()
	if s == nil {
		return
	}
	changed, err := s.Refresh(context.Background())
	if err != nil || !changed {
		return
	}
	tabsFollow.mu.Lock()
	ctx, ok := tabsFollow.ctx, tabsFollow.has
	tabsFollow.mu.Unlock()
	if !ok {
		return
	}
	ctx.Dispatch(func(ctx app.Context) {
		path := ctx.Page().URL().Path
		if hasPrefix(path, pathsKeptStill) {
			return
		}
		if typing() || !hasPrefix(path, pathsFollowedLive) {
			// Not under the person's fingers: the shell offers to show it.
			tabsFollow.mu.Lock()
			tabsFollow.pending = true
			tabsFollow.mu.Unlock()
			updateShell()
			return
		}
		renavigate(ctx)
	})
}

// typing reports whether the person is at work in a form: a field has the
// focus, or a form holds changes.
func typing() bool {
	if dirtyForm() {
		return true
	}
	el := app.Window().Get("document").Get("activeElement")
	if !el.Truthy() {
		return false
	}
	switch strings.ToLower(el.Get("tagName").String()) {
	case "input", "textarea", "select":
		return true
	}
	return false
}

// changedElsewhere reports whether another tab changed what this page
// shows while the person was typing.
func changedElsewhere() bool {
	tabsFollow.mu.Lock()
	defer tabsFollow.mu.Unlock()
	return tabsFollow.pending
}

// busyElsewhere reports whether a change waits for another tab's write.
func busyElsewhere() bool {
	tabsFollow.mu.Lock()
	defer tabsFollow.mu.Unlock()
	return tabsFollow.busy
}

// busyBanner says that a change waits for another tab: nothing is lost,
// it is saved once the other tab's write is done. (Taking the vault over
// from that tab would cut its write short: it is never offered.)
func busyBanner() app.UI {
	return app.Div().ID("tabs-busy").Class("banner tabs-changed").Role("status").Body(
		app.Span().Text(i18n.T("tabs.busy")),
	)
}

// changedBanner offers to show what another tab changed.
func changedBanner() app.UI {
	return app.Div().ID("tabs-changed").Class("banner tabs-changed").Role("status").Body(
		app.Span().Text(i18n.T("tabs.changed")),
		app.Button().ID("tabs-show").Class("btn btn-small").Text(i18n.T("tabs.show")).
			OnClick(func(ctx app.Context, e app.Event) { showChanges(ctx) }),
	)
}

func showChanges(ctx app.Context) {
	tabsFollow.mu.Lock()
	tabsFollow.pending = false
	tabsFollow.mu.Unlock()
	renavigate(ctx)
}

// renavigate runs every component's OnNav again on the page on screen, so
// that it reads the book afresh, with no new history entry and no move.
// go-app does that when only the fragment changed on a "popstate": the
// fragment is put in place, go-app's handler called, and the address taken
// back as it was.
func renavigate(ctx app.Context) {
	tabsFollow.mu.Lock()
	tabsFollow.n++
	n := tabsFollow.n
	tabsFollow.mu.Unlock()
	u := *ctx.Page().URL()
	clean := url.URL{Path: u.Path, RawQuery: u.RawQuery}
	u.Fragment = "tab-" + strconv.Itoa(n)
	hist := app.Window().Get("history")
	hist.Call("replaceState", nil, "", u.String())
	if pop := app.Window().Get("onpopstate"); pop.Truthy() {
		pop.Invoke()
	}
	ctx.Dispatch(func(app.Context) { hist.Call("replaceState", nil, "", clean.String()) })
}

// changeErrorText is the message for a failed change of a record: a record
// deleted meanwhile (in another tab) says so.
func changeErrorText(err error) string {
	switch {
	case errors.Is(err, session.ErrGone):
		return errorText("tabs.err.gone")
	case errors.Is(err, record.ErrNotFound):
		return errorText("tabs.err.notfound")
	}
	return errorText(vault.MessageKey(err))
}
