package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/vault"
)

func init() { addPage(PathRestore, false, func() app.Composer { return &Restore{} }) }

// Restore brings an export file back into the unlocked vault: every profile,
// entry, note, flag, question and file, in one step, without duplicates.
type Restore struct {
	app.Compo
	mounted // the page's own context, for what its buttons' work reports (see mounted)

	ready  bool
	opener xpOpener

	busy   bool
	read   int64
	size   int64
	err    string
	result *restoreResult
}

func (r *Restore) OnNav(ctx app.Context) {
	if !requireSession(ctx) || r.ready {
		return // same page again: keep the form as the person left it
	}
	r.opener = xpOpener{prefix: "rs", page: &r.mounted}
	r.ready = true
	workerPrewarm() // the worker module, which reads the file
}

func (r *Restore) start(ctx app.Context, e app.Event) {
	e.PreventDefault()
	ctx = r.own(ctx) // what the work reports outlives the element it came from
	if r.busy || !r.opener.ready() {
		return
	}
	s := current()
	if s == nil {
		lockNow()
		return
	}
	r.busy, r.err, r.result, r.read, r.size = true, "", nil, 0, r.opener.size
	o := r.opener // as it is now: the form is disabled meanwhile
	ctx.Async(func() {
		var th throttle
		done := heavyWork()
		// The commit's merge and the vault's preparation pause now and
		// then (vault.WithPause): the page answers meanwhile.
		wctx := vault.WithPause(ctx, importSlice, importYield)
		res, err := restoreOpened(wctx, s, &o, func(n int64) {
			if th.ok() {
				ctx.Dispatch(func(ctx app.Context) { r.read = n })
			}
		})
		done()
		ctx.Dispatch(func(ctx app.Context) {
			r.busy = false
			if err != nil {
				key := xpOpenErrorKey(err)
				if k := vault.MessageKey(err); k != "" {
					key = k // the vault's own (out of space, paused too long)
				}
				r.err = errorText(key)
				return
			}
			r.read = r.size
			r.result = &res
		})
	})
}

func (r *Restore) Render() app.UI {
	if !r.ready {
		return &Shell{Title: i18n.T("ui.restore.title")}
	}
	return &Shell{Title: i18n.T("ui.restore.title"), Content: []app.UI{
		app.P().Class("xp-lead").Text(i18n.T("ui.restore.intro")),
		app.Form().ID("restore-form").Class("card xp-step").OnSubmit(r.start).Body(
			r.opener.render(r.busy, func() { r.err, r.result = "", nil }),
			app.If(r.err != "", func() app.UI { return errorBanner(r.err) }),
			app.Div().Class("actions").Body(
				app.Button().ID("restore-start").Type("submit").Class("btn").Disabled(r.busy || !r.opener.ready()).
					Text(i18n.T("ui.restore.start")),
			),
			app.If(r.busy, func() app.UI {
				return app.Div().Class("xp-progress").Body(
					app.Progress().ID("restore-progress").Max(max(r.size, 1)).Value(r.read).
						Aria("label", i18n.T("ui.restore.progress")),
					app.P().Class("muted").Aria("live", "polite").Text(xpPercent(r.read, r.size)),
				)
			}),
		),
		app.If(r.result != nil, func() app.UI { return r.renderResult() }),
	}}
}

func (r *Restore) renderResult() app.UI {
	res := *r.result
	type row struct {
		id, label string
		n         int
	}
	rows := []row{
		{"rs-n-profiles", i18n.T("ui.restore.n.profiles"), res.Profiles},
		{"rs-n-entries", i18n.T("ui.restore.n.entries"), res.Entries},
		{"rs-n-notes", i18n.T("ui.restore.n.notes"), res.Notes},
		{"rs-n-flags", i18n.T("ui.restore.n.flags"), res.Flags},
		{"rs-n-files", i18n.T("ui.restore.n.files"), res.Files},
		{"rs-n-questions", i18n.T("ui.restore.n.questions"), res.Questions},
		{"rs-n-updated", i18n.T("ui.restore.n.updated"), res.Updated},
		{"rs-n-skipped", i18n.T("ui.restore.n.skipped"), res.Skipped + res.FilesSkipped},
	}
	return app.Section().ID("restore-result").Class("card xp-step").Body(
		app.If(res.Nothing(), func() app.UI {
			return okBanner(i18n.T("ui.restore.nothing"))
		}).Else(func() app.UI {
			return okBanner(i18n.T("ui.restore.done"))
		}),
		app.Dl().Class("xp-counts-list").Body(
			app.Range(rows).Slice(func(i int) app.UI {
				return app.Div().Class("xp-fact").Body(
					app.Dt().Text(rows[i].label),
					app.Dd().ID(rows[i].id).Text(rows[i].n),
				)
			}),
		),
		app.Div().Class("actions").Body(
			app.A().ID("restore-see").Class("btn").Href(PathTimeline).Text(i18n.T("ui.restore.see")),
			app.A().Class("btn btn-secondary").Href(PathSummary).Text(i18n.T("nav.summary")),
		),
	)
}
