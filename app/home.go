package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
)

// Home is the start page.
type Home struct {
	app.Compo
}

func (h *Home) Render() app.UI {
	return &Shell{Content: []app.UI{
		app.Section().Class("hero").Body(
			app.Img().Src("/web/icon.svg").Alt("").Class("hero-icon"),
			app.H1().Text(i18n.T("app.name")),
			app.P().Class("lead").Text(i18n.T("app.tagline")),
		),
		app.Ul().Class("promises").Body(
			app.Li().Text(i18n.T("home.promise.private")),
			app.Li().Text(i18n.T("home.promise.offline")),
			app.Li().Text(i18n.T("home.promise.yours")),
		),
	}}
}
