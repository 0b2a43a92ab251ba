package ui

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
)

// navItem is one destination of the main navigation.
type navItem struct {
	path, icon, label string
}

var navItems = []navItem{
	{PathSummary, "♥", "nav.summary"},
	{PathTimeline, "☰", "nav.timeline"},
	{PathAdd, "+", "nav.add"},
	{PathFiles, "▤", "nav.files"},
	{PathMore, "⋯", "nav.more"},
}

// Nav is the bottom bar on phones and the tab row on desktops.
type Nav struct {
	app.Compo
	Current string // current path
}

func (n *Nav) Render() app.UI {
	return app.Nav().Class("nav").Aria("label", i18n.T("nav.label")).Body(
		app.Range(navItems).Slice(func(i int) app.UI {
			it := navItems[i]
			a := app.A().Href(it.path).Body(
				app.Span().Class("nav-icon").Aria("hidden", "true").Text(it.icon),
				app.Span().Text(i18n.T(it.label)),
			)
			if n.Current == it.path || (it.path != "/" && strings.HasPrefix(n.Current, it.path)) {
				a = a.Aria("current", "page")
			}
			return a
		}),
	)
}
