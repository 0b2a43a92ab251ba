package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
)

// Shell is the frame around every page: the top bar, the update and install
// prompts, and the page's content.
type Shell struct {
	app.Compo

	Title   string
	Content []app.UI
	Wide    bool // no max width (tables, charts)

	updateAvailable bool
	installable     bool
	mounted         bool
	unlocked        bool
	path            string
}

// OnMount runs in the browser only.
func (s *Shell) OnMount(ctx app.Context) {
	s.installable = ctx.IsAppInstallable()
	s.unlocked = current() != nil
	s.path = ctx.Page().URL().Path
	if s.unlocked {
		showingPage(ctx)
		followTabs()
		noteWhere()
		connectBackground(ctx)
		shlFollow() // links kept up to date follow what was just changed
	}
	placePage(ctx)
	watchIdle()
	s.mounted = true
	markMounted()
	precacheWorker()
	if ctx.AppUpdateAvailable() {
		s.checkUpdate(ctx)
	}
}

// OnAppUpdate is called by go-app when a new version has been installed.
func (s *Shell) OnAppUpdate(ctx app.Context) {
	s.checkUpdate(ctx)
}

// checkUpdate shows the reload prompt only when the installed worker really
// is a newer version than the running app.
func (s *Shell) checkUpdate(ctx app.Context) {
	ctx.Async(func() {
		if newVersionInstalled() {
			ctx.Dispatch(func(ctx app.Context) { s.updateAvailable = true })
		}
	})
}

// OnAppInstallChange is called when the browser offers (or withdraws) installing.
func (s *Shell) OnAppInstallChange(ctx app.Context) {
	s.installable = ctx.IsAppInstallable()
}

func (s *Shell) Render() app.UI {
	return app.Div().Class("shell").Body(
		app.A().Class("skip").Href("#main").Text(i18n.T("app.skip")),
		app.Header().Class("topbar").Body(
			app.A().Class("brand").Href(PathHome).Body(
				// Decorative: go-app drops Alt("") (design.md pitfall 15), so the
				// role says so instead, and axe-core checks it.
				app.Img().Src("/web/icon.svg").Role("presentation").Class("brand-icon"),
				app.Span().Text(i18n.T("app.name")),
			),
			app.Div().Class("topbar-actions").Body(
				app.If(s.installable, func() app.UI {
					return app.Button().ID("install").Class("btn btn-small").
						Text(i18n.T("app.install.button")).
						Title(i18n.T("app.install")).
						OnClick(func(ctx app.Context, e app.Event) { ctx.ShowAppInstallPrompt() })
				}),
				app.If(s.unlocked, func() app.UI {
					return app.A().Class("btn btn-small profile-switch").Href(PathProfiles).
						Title(i18n.T("profile.switch")).Text(currentProfileName())
				}),
				app.If(s.unlocked, func() app.UI {
					return app.Button().ID("lock").Class("btn btn-small").Text(i18n.T("vault.lock")).
						OnClick(func(ctx app.Context, e app.Event) { lockNow() })
				}),
				app.If(!s.unlocked, func() app.UI { return &LangSwitch{} }),
			),
		),
		app.If(s.unlocked, func() app.UI { return &Nav{Current: s.path} }),
		app.If(s.updateAvailable, func() app.UI {
			return app.Div().ID("update").Class("banner").Aria("live", "polite").Body(
				app.Span().Text(i18n.T("app.update")),
				app.Button().ID("update-reload").Class("btn btn-small").
					Text(i18n.T("app.update.reload")).
					OnClick(func(ctx app.Context, e app.Event) { ctx.Reload() }),
			)
		}),
		app.Main().ID("main").Class(mainClass(s.Wide)).DataSet("mounted", s.mounted).Body(
			app.If(s.Title != "", func() app.UI { return app.H1().Text(s.Title) }),
			app.If(s.unlocked && personPage(s.path), sharedLine), // whose profile it is, when it is shared
			app.Range(s.Content).Slice(func(i int) app.UI { return s.Content[i] }),
		),
		// After the page, so that showing them never re-creates it.
		app.Div().Class("shell-asks").Body(
			app.Div().Class("slot").Body(app.If(s.unlocked && idleWarned(), idleBanner)),
			app.Div().Class("slot").Body(app.If(s.unlocked && changedElsewhere(), changedBanner)),
			app.Div().Class("slot").Body(app.If(s.unlocked && busyElsewhere(), busyBanner)),
			app.Div().Class("slot").Body(app.If(s.unlocked && leaving() != "", leaveDialog)),
			app.Div().Class("slot").Body(app.If(s.unlocked, func() app.UI { return &connectBgLine{} })),
		),
	)
}

// LangSwitch picks the interface language; the choice is kept on this device.
type LangSwitch struct {
	app.Compo
}

func (l *LangSwitch) Render() app.UI {
	cur := i18n.Current()
	return app.Select().Class("lang").Aria("label", i18n.T("app.language")).
		OnChange(func(ctx app.Context, e app.Event) {
			setLang(i18n.Lang(ctx.JSSrc().Get("value").String()))
			ctx.Reload()
		}).
		Body(app.Range(i18n.Langs).Slice(func(i int) app.UI {
			lang := i18n.Langs[i]
			return app.Option().Value(string(lang)).Selected(lang == cur).Text(i18n.In(lang, "lang.name"))
		}))
}

func mainClass(wide bool) string {
	if wide {
		return "content wide"
	}
	return "content"
}

// currentProfileName is read at every render, so switching person anywhere
// shows at once in the top bar.
func currentProfileName() string {
	if p, ok := currentProfile(); ok {
		return p.Name
	}
	return ""
}
