package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/vault"
)

// Home is the start page: it explains Backpack and leads to set-up or
// unlock; once unlocked it goes straight to the health summary.
type Home struct {
	app.Compo

	state string // "", "none" (no vault yet), "locked"
	err   string
}

func (h *Home) OnNav(ctx app.Context) {
	if current() != nil {
		ctx.Navigate(PathSummary)
		return
	}
	ctx.Async(func() {
		state, errMsg := "locked", ""
		exists, err := vaultExists(ctx)
		if err != nil {
			errMsg = errorText(vault.MessageKey(err))
		} else if !exists {
			state = "none"
		}
		ctx.Dispatch(func(ctx app.Context) { h.state, h.err = state, errMsg })
	})
}

func (h *Home) Render() app.UI {
	return &Shell{Content: []app.UI{
		app.Section().Class("hero").Body(
			app.Img().Src("/web/icon.svg").Role("presentation").Class("hero-icon"), // decorative (see shell.go)
			app.H1().Text(i18n.T("app.name")),
			app.P().Class("lead").Text(i18n.T("app.tagline")),
		),
		app.If(h.err != "", func() app.UI { return errorBanner(h.err) }),
		app.Div().Class("actions center").Body(
			app.If(h.state == "none", func() app.UI {
				return app.A().ID("start").Class("btn").Href(PathSetup).Text(i18n.T("home.start"))
			}).ElseIf(h.state == "locked", func() app.UI {
				return app.A().ID("open").Class("btn").Href(PathUnlock).Text(i18n.T("home.unlock"))
			}),
			app.A().Class("btn btn-secondary").Href(PathView).Text(i18n.T("home.view")),
		),
		app.Ul().Class("promises").Body(
			app.Li().Text(i18n.T("home.promise.private")),
			app.Li().Text(i18n.T("home.promise.offline")),
			app.Li().Text(i18n.T("home.promise.yours")),
		),
		app.P().Class("center").Body(app.A().Href(PathAbout).Text(i18n.T("about.title"))),
	}}
}
