package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
)

func init() { addPage(PathMore, false, func() app.Composer { return &More{} }) }

// More lists every part of Backpack that the bottom bar has no room for.
type More struct {
	app.Compo
}

func (m *More) OnNav(ctx app.Context) { requireSession(ctx) }

var moreLinks = []struct{ path, label, hint string }{
	{PathProfiles, "more.profiles", "more.profiles.hint"},
	{PathEmergency, "more.emergency", "more.emergency.hint"},
	{PathFlags, "more.flags", "more.flags.hint"},
	{PathQuestions, "more.questions", "more.questions.hint"},
	{PathImport, "more.import", "more.import.hint"},
	{PathExport, "more.export", "more.export.hint"},
	{PathShare, "more.share", "more.share.hint"},
	{PathRestore, "more.restore", "more.restore.hint"},
	{PathView, "more.view", "more.view.hint"},
	{PathSettings, "more.settings", "more.settings.hint"},
	{PathAbout, "about.title", "more.about.hint"},
}

func (m *More) Render() app.UI {
	return &Shell{Title: i18n.T("nav.more"), Content: []app.UI{
		app.Ul().Class("list").Body(app.Range(moreLinks).Slice(func(i int) app.UI {
			l := moreLinks[i]
			return app.Li().Body(app.A().Class("item").Href(l.path).Body(
				app.Span().Class("item-title").Text(i18n.T(l.label)),
				app.Span().Class("item-meta").Text(i18n.T(l.hint)),
			))
		})),
	}}
}
