package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/record"
)

// The entry page's "Edited on two devices" card: an entry that two devices
// changed while apart shows both versions (this one, as the entry stands;
// that one, the other device's) until the person keeps one. Notes, flags
// and files of both are merged already, so only the content is chosen.

// renderConflict is the card, or nil when the entry has one version.
func (p *EntryPage) renderConflict() app.UI {
	s := current()
	if s == nil {
		return nil
	}
	copies := s.Conflicts(p.id)
	if len(copies) == 0 {
		return nil
	}
	c := copies[0]
	keep := func(theirs bool) app.EventHandler {
		return func(ctx app.Context, e app.Event) {
			entryID := p.id
			p.run(ctx, func() error { return s.KeepVersion(ctx, entryID, c.ID, theirs) }, func(ctx app.Context) {
				p.notice = i18n.T("conflict.kept")
				p.load(ctx)
				wakeSync()
			})
		}
	}
	return app.Section().ID("conflict").Class("card conflict-card").Aria("labelledby", "conflict-h").Body(
		app.H2().ID("conflict-h").Text(i18n.T("conflict.title")),
		app.P().Class("muted").Text(i18n.T("conflict.intro")),
		app.Div().Class("conflict-versions").Body(
			conflictVersion("conflict-this", i18n.T("conflict.this"), p.entry),
			conflictVersion("conflict-that", i18n.T("conflict.that"), c.Entry),
		),
		app.Div().Class("actions").Body(
			app.Button().ID("conflict-keep-this").Class("btn").Disabled(p.busy).
				Text(i18n.T("conflict.keep.this")).OnClick(keep(false), app.EventScope(c.ID)),
			app.Button().ID("conflict-keep-that").Class("btn btn-secondary").Disabled(p.busy).
				Text(i18n.T("conflict.keep.that")).OnClick(keep(true), app.EventScope(c.ID)),
		),
	)
}

// conflictVersion shows one version as the timeline would: title, date,
// value (by the one formatting rule) or text.
func conflictVersion(id, label string, e record.Entry) app.UI {
	text := e.Text
	if e.Value != nil {
		text = e.ValueText()
	}
	return app.Div().ID(id).Class("conflict-version").Body(
		app.H3().Text(label),
		app.P().Class("conflict-title").Text(recEntryTitle(e)),
		app.If(recEntryDate(e) != "", func() app.UI {
			return app.P().Class("muted").Text(recEntryDate(e))
		}),
		app.If(text != "", func() app.UI { return app.P().Class("conflict-text").Text(recOneLine(text, 200)) }),
		app.If(!e.Updated.IsZero(), func() app.UI {
			return app.P().Class("muted conflict-changed").Text(i18n.T("conflict.changed", xpWhen(e.Updated)))
		}),
	)
}
