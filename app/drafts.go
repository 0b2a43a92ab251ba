package ui

import (
	"context"
	"maps"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/record"
)

// Drafts: what a person types in a form is kept in memory as they type,
// and encrypted in the vault (a record.Draft, never plaintext storage) when
// they leave the form, a few seconds after they stop typing, and before
// the vault locks. Coming back to the form offers it: "You have an unsaved
// draft — Restore / Discard". Leaving a form with changes by a link asks
// first; leaving by a reload makes the browser ask.

// draftSaveAfter is how long after the last keystroke a changed form is
// written to the vault (a reload or a closed tab loses at most that).
const draftSaveAfter = 2 * time.Second

var drafts struct {
	mu    sync.Mutex
	live  map[string]record.Draft // changed forms, not yet in the vault
	dirty string                  // the form on screen with changes, "" when none
	timer *time.Timer
	leave string // a link the person followed away from a dirty form, asking
}

// draftFor returns the draft of a form: the one in memory, else the one
// kept in the vault.
func draftFor(key string) (record.Draft, bool) {
	drafts.mu.Lock()
	d, ok := drafts.live[key]
	drafts.mu.Unlock()
	if ok {
		return d, true
	}
	if s := current(); s != nil {
		return s.Draft(key)
	}
	return record.Draft{}, false
}

// keepDraft records what a form holds now (it differs from what is saved)
// and writes it to the vault shortly.
func keepDraft(key, profile string, fields map[string]string) {
	drafts.mu.Lock()
	if drafts.live == nil {
		drafts.live = map[string]record.Draft{}
	}
	drafts.live[key] = record.Draft{Key: key, Profile: profile, Fields: maps.Clone(fields)}
	drafts.dirty = key
	if drafts.timer != nil {
		drafts.timer.Stop()
	}
	drafts.timer = time.AfterFunc(draftSaveAfter, func() { flushDrafts(context.Background()) })
	drafts.mu.Unlock()
}

// cleanForm says the form on screen holds nothing unsaved any more (it
// was saved, discarded, or is the draft as kept).
func cleanForm(key string) {
	drafts.mu.Lock()
	if drafts.dirty == key {
		drafts.dirty = ""
	}
	drafts.mu.Unlock()
}

// dropDraft forgets a form's draft, in memory and in the vault: the form
// was saved, or the person discarded the draft.
func dropDraft(key string) {
	drafts.mu.Lock()
	delete(drafts.live, key)
	if drafts.dirty == key {
		drafts.dirty = ""
	}
	drafts.mu.Unlock()
	if s := current(); s != nil {
		go s.DeleteDraft(context.Background(), key)
	}
}

// leftForm is called when a form goes off screen: its draft goes to the
// vault now.
func leftForm(key string) {
	cleanForm(key)
	go flushDrafts(context.Background())
}

// flushDrafts writes every draft still in memory to the vault.
func flushDrafts(ctx context.Context) {
	s := current()
	if s == nil {
		return
	}
	drafts.mu.Lock()
	live := maps.Clone(drafts.live)
	drafts.mu.Unlock()
	for key, d := range live {
		if _, err := s.SaveDraft(ctx, d); err != nil {
			continue // kept in memory: the next flush tries again
		}
		drafts.mu.Lock()
		if cur, ok := drafts.live[key]; ok && cur.Same(d) {
			delete(drafts.live, key)
		}
		drafts.mu.Unlock()
	}
}

// unsavedDrafts reports whether a draft is only in memory (a reload now
// would lose it).
func unsavedDrafts() bool {
	drafts.mu.Lock()
	defer drafts.mu.Unlock()
	return len(drafts.live) > 0
}

// dirtyForm reports whether the form on screen holds unsaved changes.
func dirtyForm() bool {
	drafts.mu.Lock()
	defer drafts.mu.Unlock()
	return drafts.dirty != ""
}

// askLeave is called for a click on an in-app link while a form has
// changes: the shell asks before following it.
func askLeave(href string) {
	drafts.mu.Lock()
	drafts.leave = href
	drafts.mu.Unlock()
	updateShell()
}

func leaving() string {
	drafts.mu.Lock()
	defer drafts.mu.Unlock()
	return drafts.leave
}

// answerLeave acts on the person's answer: stay, leave keeping the draft,
// or leave and discard it.
func answerLeave(ctx app.Context, answer string) {
	drafts.mu.Lock()
	href, key := drafts.leave, drafts.dirty
	drafts.leave = ""
	drafts.mu.Unlock()
	switch answer {
	case "stay":
		return
	case "discard":
		dropDraft(key)
	default:
		leftForm(key)
	}
	cleanForm(key)
	ctx.Navigate(href)
}

// leaveDialog is the question the shell shows over a form with changes.
func leaveDialog() app.UI {
	return app.Div().ID("leave-ask").Class("leave-ask").Role("alertdialog").Aria("modal", "true").
		Aria("labelledby", "leave-ask-title").Body(
		app.Div().Class("leave-ask-box card").Body(
			app.H2().ID("leave-ask-title").Text(i18n.T("drafts.leave.title")),
			app.P().Text(i18n.T("drafts.leave.text")),
			app.Div().Class("actions").Body(
				app.Button().ID("leave-stay").Class("btn").Text(i18n.T("drafts.leave.stay")).
					OnClick(func(ctx app.Context, e app.Event) { answerLeave(ctx, "stay") }),
				app.Button().ID("leave-keep").Class("btn btn-secondary").Text(i18n.T("drafts.leave.keep")).
					OnClick(func(ctx app.Context, e app.Event) { answerLeave(ctx, "keep") }),
				app.Button().ID("leave-discard").Class("btn btn-secondary").Text(i18n.T("drafts.leave.discard")).
					OnClick(func(ctx app.Context, e app.Event) { answerLeave(ctx, "discard") }),
			),
		),
	)
}

// draftOffer is the banner a form shows when a draft of it is kept.
func draftOffer(d record.Draft, restore, discard app.EventHandler) app.UI {
	when := ""
	if !d.Updated.IsZero() {
		when = d.Updated.Local().Format("2006-01-02 15:04")
	}
	return app.Div().ID("draft-offer").Class("banner draft-offer").Role("status").Body(
		app.Span().Text(i18n.T("drafts.offer")+" "+when),
		app.Span().Class("draft-offer-actions").Body(
			app.Button().ID("draft-restore").Type("button").Class("btn btn-small").Text(i18n.T("drafts.restore")).OnClick(restore),
			app.Button().ID("draft-discard").Type("button").Class("btn btn-small btn-secondary").Text(i18n.T("drafts.discard")).OnClick(discard),
		),
	)
}

// inAppLink returns the path of an in-app link (same origin), or "".
func inAppLink(href string) string {
	u, err := url.Parse(href)
	if err != nil || (u.Host != "" && u.Host != app.Window().URL().Host) || !strings.HasPrefix(u.Path, "/") {
		return ""
	}
	return u.RequestURI()
}
