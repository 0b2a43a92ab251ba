package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
)

// PathAbout is the page that explains Backpack and how it protects data.
const PathAbout = "/about"

func init() { addPage(PathAbout, false, func() app.Composer { return &About{} }) }

// About explains what Backpack is, how data is protected and how to install it.
type About struct {
	app.Compo
}

func (a *About) Render() app.UI {
	return &Shell{Title: i18n.T("about.title"), Content: []app.UI{
		app.P().Text(i18n.T("about.what")),
		app.H2().Text(i18n.T("about.privacy.title")),
		app.P().Text(i18n.T("about.privacy")),
		app.H2().Text(i18n.T("about.install.title")),
		app.P().Text(i18n.T("about.install")),
		app.H2().Text(i18n.T("about.offline.title")),
		app.P().Text(i18n.T("about.offline")),
	}}
}
