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
// draft — Restore / Discard". Leaving a form with changes by a link or by
// the browser's back and forward buttons asks first; closing the tab or
// reloading makes the browser ask.

// draftSaveAfter is how long after the last keystroke a changed form is
// written to the vault (a reload or a closed tab loses at most that).
const draftSaveAfter = 2 * time.Second

var drafts struct {
	mu    sync.Mutex
	live  map[string]record.Draft // changed forms, not yet in the vault
	dirty string                  // the form on screen with changes, "" when none
	timer *time.Timer
	leave string // a link the person followed away from a dirty form, asking
	back  bool   // leave came from the history (back, forward): go there by history
	at    string // the address of the form with changes
}

// leavingByHistory is called when the back or forward button leaves a form
// with changes: the address is put back to the form's (a new history
// entry, so that "leave" is one step back to where the person was going)
// and the shell asks. It reports whether it did: false when the move stays
// on the form's page.
func leavingByHistory(to string) bool {
	drafts.mu.Lock()
	at := drafts.at
	drafts.mu.Unlock()
	if at == "" || to == "" || pathOnly(to) == pathOnly(at) {
		return false
	}
	app.Window().Get("history").Call("pushState", nil, "", at)
	askLeave(to)
	drafts.mu.Lock()
	drafts.back = true
	drafts.mu.Unlock()
	return true
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
	drafts.dirty, drafts.at = key, address()
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
	drafts.leave, drafts.back = href, false
	drafts.mu.Unlock()
	updateShellFocus("leave-stay")
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
	href, key, back := drafts.leave, drafts.dirty, drafts.back
	drafts.leave, drafts.back = "", false
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
	if back {
		// One step back, past the entry put in while asking: where the
		// back or forward button was going.
		app.Window().Get("history").Call("back")
		return
	}
	ctx.Navigate(href)
}

// leaveDialog is the question the shell shows over a form with changes.
func leaveDialog() app.UI {
	return app.Div().ID("leave-ask").Class("leave-ask").Role("alertdialog").Aria("modal", "true").
		Aria("labelledby", "leave-ask-title").
		OnKeyDown(func(ctx app.Context, e app.Event) {
			if e.Get("key").String() == "Escape" {
				answerLeave(ctx, "stay")
			}
		}).Body(
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

// formDraft is the draft of one small form of a page (a note, a question,
// a person): a few named values.
type formDraft struct {
	key     string
	profile string
	offer   *record.Draft
}

// open starts the form key, which shows values. Opened again while on the
// same page (the page is shown again), it returns what was typed, to put
// back at once; otherwise a kept draft holding something else is offered.
func (d *formDraft) open(key string, shown map[string]string) (typed map[string]string) {
	if d.key == key {
		drafts.mu.Lock()
		live, ok := drafts.live[key]
		drafts.mu.Unlock()
		if ok {
			return maps.Clone(live.Fields)
		}
		return nil
	}
	if d.key != "" {
		leftForm(d.key)
	}
	d.key, d.offer = key, nil
	if dr, ok := draftFor(key); ok && !sameValues(dr.Fields, shown) {
		d.offer = &dr
	}
	return nil
}

// sameValues compares form values, a missing one being empty.
func sameValues(a, b map[string]string) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

// changed keeps what the form holds now.
func (d *formDraft) changed(profile string, values map[string]string) {
	if d.key != "" {
		d.profile = profile
		keepDraft(d.key, profile, values)
	}
}

// saved forgets the draft: the form was saved.
func (d *formDraft) saved() {
	if d.key != "" {
		dropDraft(d.key)
	}
	d.offer = nil
}

// left writes the draft to the vault: the form went off screen.
func (d *formDraft) left() {
	if d.key != "" {
		leftForm(d.key)
	}
	d.key, d.offer = "", nil
}

// banner offers the kept draft; restore gets its values.
func (d *formDraft) banner(id string, restore func(values map[string]string)) app.UI {
	if d.offer == nil {
		return nil
	}
	return draftOffer(id, *d.offer, func(ctx app.Context, e app.Event) {
		if d.offer == nil {
			return
		}
		vals, prof := maps.Clone(d.offer.Fields), d.offer.Profile
		d.offer = nil
		restore(vals)
		keepDraft(d.key, prof, vals)
	}, func(ctx app.Context, e app.Event) {
		d.offer = nil
		dropDraft(d.key)
	})
}

// draftOffer is the banner a form shows when a draft of it is kept; id
// prefixes its elements' ids.
func draftOffer(id string, d record.Draft, restore, discard app.EventHandler) app.UI {
	when := ""
	if !d.Updated.IsZero() {
		when = d.Updated.Local().Format("2006-01-02 15:04")
	}
	return app.Div().ID(id+"-offer").Class("banner draft-offer").Role("status").Body(
		app.Span().Text(i18n.T("drafts.offer")+" "+when),
		app.Span().Class("draft-offer-actions").Body(
			app.Button().ID(id+"-restore").Type("button").Class("btn btn-small").Text(i18n.T("drafts.restore")).OnClick(restore, app.EventScope(id)),
			app.Button().ID(id+"-discard").Type("button").Class("btn btn-small btn-secondary").Text(i18n.T("drafts.discard")).OnClick(discard, app.EventScope(id)),
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
