package ui

import (
	"slices"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/record"
)

func init() {
	addPage("^"+PathAdd+"[a-z-]*$", true, func() app.Composer { return &Add{} })
}

// Add is the "Add" tab: a chooser of kinds (PathAdd), then the form of the
// chosen kind (PathAdd + kind) for the current profile.
type Add struct {
	app.Compo

	ready   bool
	kind    record.Kind
	profile string
}

func (a *Add) OnNav(ctx app.Context) {
	a.ready, a.kind, a.profile = false, "", ""
	if !requireSession(ctx) {
		return
	}
	a.ready = true
	k := record.Kind(recPathID(reAddPath, ctx.Page().URL().Path))
	if slices.Contains(record.ManualKinds, k) {
		a.kind = k
	}
	if p, ok := currentProfile(); ok {
		a.profile = p.Name
	}
}

func (a *Add) Render() app.UI {
	if !a.ready {
		return &Shell{Title: i18n.T("rec.add.title")}
	}
	if a.profile == "" {
		return &Shell{Title: i18n.T("rec.add.title"), Content: []app.UI{
			app.P().Text(i18n.T("rec.add.noprofile")),
			app.Div().Class("actions").Body(
				app.A().Class("btn").Href(PathProfiles).Text(i18n.T("rec.add.addperson")),
			),
		}}
	}
	if !mayChangeCurrent() { // a profile shared to view only
		return &Shell{Title: i18n.T("rec.add.title"), Content: []app.UI{readOnlyNote()}}
	}
	if a.kind == "" {
		return &Shell{Title: i18n.T("rec.add.title"), Content: []app.UI{
			app.P().Class("muted").Text(i18n.T("rec.add.for", a.profile)),
			app.Ul().ID("kinds").Class("kind-grid").Body(app.Range(record.ManualKinds).Slice(func(i int) app.UI {
				k := record.ManualKinds[i]
				return app.Li().Body(app.A().ID("add-"+string(k)).Class("item kind-choice").Href(PathAdd+string(k)).Body(
					app.Span().Class("item-title").Text(recKindLabel(k)),
					app.Span().Class("item-meta").Text(i18n.T("rec.kindhint."+string(k))),
				))
			})),
			app.P().Body(
				app.Span().Class("muted").Text(i18n.T("rec.add.import")+" "),
				app.A().Href(PathImport).Text(i18n.T("more.import")),
			),
		}}
	}
	return &Shell{Title: i18n.T("rec.add.kind", recKindLabel(a.kind)), Content: []app.UI{
		app.P().Class("muted").Body(
			app.Text(i18n.T("rec.add.for", a.profile)+" "),
			app.A().Href(PathAdd).Text(i18n.T("rec.add.other")),
		),
		&EntryForm{Kind: a.kind},
	}}
}
