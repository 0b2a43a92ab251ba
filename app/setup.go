package ui

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/session"
	"backpack/internal/vault"
)

func init() { addPage(PathSetup, false, func() app.Composer { return &Setup{} }) }

// Set-up steps.
const (
	setupPassphrase = ""         // choose a passphrase
	setupRecovery   = "recovery" // show the recovery key once
	setupStorage    = "storage"  // persistent storage was refused: explain
)

// Setup creates the vault on first run: a passphrase (with a strength meter
// and a suggestion), then the recovery key shown once, then a request for
// persistent storage, then the first profile.
type Setup struct {
	app.Compo
	mounted // the page's own context, for what its buttons' work reports (see mounted)

	step      string
	pass      string
	confirm   string
	show      bool
	suggested bool

	errPass    string
	errConfirm string
	err        string
	busy       bool

	recovery string // shown once, forgotten on continue
	saved    bool
}

func (p *Setup) OnNav(ctx app.Context) {
	if p.step != setupPassphrase || p.busy {
		return
	}
	if current() != nil {
		ctx.Navigate(PathSummary)
		return
	}
	ctx.Async(func() {
		exists, err := vaultExists(ctx)
		ctx.Dispatch(func(ctx app.Context) {
			switch {
			case err != nil:
				p.err = errorText(vault.MessageKey(err))
			case exists && p.step == setupPassphrase && !p.busy:
				ctx.Navigate(PathUnlock)
			default:
				wantWordLists(ctx) // the passphrase meter's, fetched as its field is shown
			}
		})
	})
}

func (p *Setup) onPass(ctx app.Context, e app.Event) {
	p.pass = ctx.JSSrc().Get("value").String()
	p.suggested = false
	p.errPass = ""
}

func (p *Setup) onConfirm(ctx app.Context, e app.Event) {
	p.confirm = ctx.JSSrc().Get("value").String()
	p.errConfirm = ""
}

func (p *Setup) suggest(ctx app.Context, e app.Event) {
	p.pass = vault.GeneratePassphrase()
	p.confirm = p.pass
	p.show = true
	p.suggested = true
	p.errPass, p.errConfirm = "", ""
}

// checkNewPassphrase validates a new passphrase and its confirmation and
// returns the messages to show next to each field.
func checkNewPassphrase(pass, confirm string) (errPass, errConfirm string) {
	switch {
	case strings.TrimSpace(pass) == "":
		errPass = i18n.T("vault.err.emptypass")
	case !vault.WordListsLoaded():
		errPass = i18n.T("vault.strength.unavailable") // waitWordLists waited: the lists did not load
	case !strongEnough(pass):
		errPass = i18n.T("setup.err.weak")
	}
	if errPass == "" && confirm != pass {
		errConfirm = i18n.T("setup.err.confirm")
	}
	return errPass, errConfirm
}

func (p *Setup) create(ctx app.Context, e app.Event) {
	e.PreventDefault()
	ctx = p.own(ctx) // what the work reports outlives the element it came from
	if p.busy || waitWordLists(ctx, &p.busy, func(ctx app.Context) { p.create(ctx, e) }) {
		return
	}
	p.err = ""
	p.errPass, p.errConfirm = checkNewPassphrase(p.pass, p.confirm)
	switch {
	case p.errPass != "":
		vaultFocus(ctx, "pass")
		return
	case p.errConfirm != "":
		vaultFocus(ctx, "confirm")
		return
	}
	p.busy = true
	pass := p.pass
	ctx.Async(func() {
		letPaint()
		st, err := store(ctx)
		var s *session.Session
		var key string
		if err == nil {
			s, key, err = session.Create(ctx, st, pass)
		}
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.err = errorText(vault.MessageKey(err))
				return
			}
			setSession(s)
			p.pass, p.confirm = "", ""
			p.recovery = key
			p.step = setupRecovery
			vaultFocus(ctx, "recovery-title")
		})
	})
}

// done leaves the recovery step: ask the browser to keep our storage, then
// create the first profile.
func (p *Setup) done(ctx app.Context, e app.Event) {
	ctx = p.own(ctx) // what the work reports outlives the element it came from
	if !p.saved || p.busy {
		return
	}
	p.busy = true
	ctx.Async(func() {
		ok, _ := persistStorage(ctx)
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			p.recovery = ""
			if ok {
				ctx.Navigate(PathProfiles)
				return
			}
			p.step = setupStorage
		})
	})
}

func (p *Setup) Render() app.UI {
	switch p.step {
	case setupRecovery:
		return &Shell{Title: i18n.T("setup.created"), Content: []app.UI{app.Article().Body(
			recoveryKeyBlock(p.recovery, p.saved,
				func(ctx app.Context, e app.Event) { p.saved = ctx.JSSrc().Get("checked").Bool() },
				func(ctx app.Context, e app.Event) { printPage() },
				p.done, i18n.T("setup.continue")),
			app.If(p.busy, func() app.UI { return busyBar(i18n.T("setup.storage.asking")) }),
		)}}
	case setupStorage:
		return &Shell{Title: i18n.T("setup.storage.title"), Content: []app.UI{
			app.P().Class("warn-box").Role("status").Text(i18n.T("vault.persist.denied")),
			app.P().Text(i18n.T("setup.storage.why")),
			app.Div().Class("actions").Body(
				app.Button().ID("storage-continue").Class("btn").Text(i18n.T("setup.continue")).
					OnClick(func(ctx app.Context, e app.Event) { ctx.Navigate(PathProfiles) }),
			),
		}}
	}
	return &Shell{Title: i18n.T("setup.title"), Content: []app.UI{
		app.P().Class("lead-left").Text(i18n.T("setup.intro")),
		joinOffer(),
		app.If(p.err != "", func() app.UI { return errorBanner(p.err) }),
		app.Form().ID("setup-form").Class("card vault-form").OnSubmit(p.create).Body(
			field("pass", i18n.T("setup.pass"), i18n.T("setup.pass.hint"), p.errPass,
				passInput(p.pass, p.show, "new-password").Aria("required", "true").OnInput(p.onPass)),
			p.strengthMeter("strength", p.pass),
			app.If(p.suggested, func() app.UI {
				return app.P().ID("suggested").Class("hint-box").Role("status").Text(i18n.T("setup.suggested"))
			}),
			app.Div().Class("row-inline").Body(
				app.Button().ID("suggest").Type("button").Class("btn btn-secondary btn-small").
					Disabled(p.busy).Text(i18n.T("setup.suggest")).OnClick(p.suggest),
				showToggle("show", p.show, func(ctx app.Context, e app.Event) {
					p.show = ctx.JSSrc().Get("checked").Bool()
				}),
			),
			field("confirm", i18n.T("setup.confirm"), "", p.errConfirm,
				passInput(p.confirm, p.show, "new-password").Aria("required", "true").OnInput(p.onConfirm)),
			app.P().Class("muted").Text(i18n.T("setup.warning")),
			app.If(p.busy, func() app.UI {
				if !vault.WordListsLoaded() { // waitWordLists: the submit waits for them
					return busyBar(i18n.T("vault.strength.checking"))
				}
				return busyBar(i18n.T("setup.creating"))
			}),
			app.Div().Class("actions").Body(
				app.Button().ID("create").Type("submit").Class("btn").Disabled(p.busy).
					Aria("busy", p.busy).Text(i18n.T("setup.create")),
			),
		),
	}}
}
