package ui

import (
	"errors"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/replica"
	"backpack/internal/session"
	"backpack/internal/vault"
)

// PathJoin is the page of a new device: "I have Backpack on another
// device". The QR code of the other device opens it with the pairing code
// in the #fragment.
const PathJoin = "/join"

func init() { addPage(PathJoin, false, func() app.Composer { return &Join{} }) }

// Join adds this browser as a device of a vault: the pairing code, then the
// vault's passphrase, then the whole record pulled from the server.
type Join struct {
	app.Compo

	code    string
	pass    string
	show    bool
	joining *replica.Joining // between the code and the passphrase
	exists  bool             // this browser holds a vault already
	busy    string           // "code", "pass"
	err     string
	errCode string
	errPass string
	cctx    app.Context // the page's own context, for results of background work
}

func (p *Join) OnNav(ctx app.Context) {
	p.cctx = ctx
	if current() != nil {
		ctx.Navigate(PathSummary)
		return
	}
	if _, hash := xpLocation(); len(hash) > 1 {
		p.code = strings.TrimPrefix(hash, "#")
		xpDropFragment() // the code leaves the address bar and history
	}
	ctx.Async(func() {
		exists, err := vaultExists(ctx)
		ctx.Dispatch(func(ctx app.Context) {
			p.exists = exists
			if err != nil {
				p.err = errorText(vault.MessageKey(err))
			}
		})
	})
}

func (p *Join) submitCode(ctx app.Context, e app.Event) {
	e.PreventDefault()
	ctx = p.cctx // the form goes once the code is right
	if p.busy != "" {
		return
	}
	code := strings.TrimSpace(p.code)
	p.err, p.errCode = "", ""
	if code == "" {
		p.errCode = i18n.T("join.err.code")
		vaultFocus(ctx, "join-code")
		return
	}
	p.busy = "code"
	ctx.Async(func() {
		j, err := replica.StartJoin(ctx, code, syncOptions())
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = ""
			switch {
			case errors.Is(err, replica.ErrBadCode):
				p.errCode = i18n.T("join.err.code")
				vaultFocus(ctx, "join-code")
			case err != nil:
				p.err = syncErrorText(err)
			default:
				p.joining = j
				vaultFocus(ctx, "join-pass")
			}
		})
	})
}

func (p *Join) submitPass(ctx app.Context, e app.Event) {
	e.PreventDefault()
	ctx = p.cctx
	if p.busy != "" || p.joining == nil {
		return
	}
	p.err, p.errPass = "", ""
	if p.pass == "" {
		p.errPass = i18n.T("vault.err.emptypass")
		vaultFocus(ctx, "join-pass")
		return
	}
	p.busy = "pass"
	j, pass := p.joining, p.pass
	ctx.Async(func() {
		letPaint()
		var s *session.Session
		st, err := store(ctx)
		if err == nil {
			var v *vault.Vault
			if v, err = j.Unlock(ctx, st, pass); err == nil {
				s, err = session.Open(ctx, v)
			}
		}
		var eng *replica.Engine
		if err == nil {
			if eng, err = replica.Open(ctx, s, syncOptions()); err == nil {
				var res replica.Result
				t0 := time.Now()
				res, err = eng.Sync(ctx) // the whole record, before the first page
				syncStats(res, time.Since(t0))
			}
		}
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = ""
			switch {
			case errors.Is(err, vault.ErrWrongPassphrase):
				p.errPass = errorText(vault.MessageKey(err))
				p.pass = ""
				clearInputs(ctx, "join-pass")
				vaultFocus(ctx, "join-pass")
				return
			case s == nil && err != nil:
				p.err = errorText(vault.MessageKey(err))
				return
			}
			// The vault is here: a sync that did not finish goes on in the
			// background (the Devices page tells).
			p.pass, p.joining = "", nil
			setSession(s)
			ctx.Navigate(PathSummary)
		})
	})
}

func (p *Join) Render() app.UI {
	if p.exists {
		return &Shell{Title: i18n.T("join.title"), Content: []app.UI{
			app.P().ID("join-exists").Class("warn-box").Text(i18n.T("join.err.exists")),
			app.A().Class("btn").Href(PathUnlock).Text(i18n.T("unlock.title")),
		}}
	}
	return &Shell{Title: i18n.T("join.title"), Content: []app.UI{
		app.If(p.err != "", func() app.UI { return errorBanner(p.err) }),
		app.If(p.joining == nil, func() app.UI {
			return app.Form().ID("join-code-form").Class("card vault-form").OnSubmit(p.submitCode).Body(
				app.P().Text(i18n.T("join.intro")),
				field("join-code", i18n.T("join.code"), "", p.errCode,
					app.Input().Type("text").Value(p.code).AutoComplete(false).Spellcheck(false).
						Attr("autocapitalize", "characters").OnInput(func(ctx app.Context, e app.Event) {
						p.code = ctx.JSSrc().Get("value").String()
						p.errCode = ""
					})),
				app.If(p.busy == "code", func() app.UI { return busyBar(i18n.T("join.checking")) }),
				app.Div().Class("actions").Body(
					app.Button().ID("join-continue").Type("submit").Class("btn").Disabled(p.busy != "").
						Aria("busy", p.busy == "code").Text(i18n.T("join.continue")),
				),
			)
		}).Else(func() app.UI {
			return app.Form().ID("join-pass-form").Class("card vault-form").OnSubmit(p.submitPass).Body(
				app.P().Text(i18n.T("join.pass.intro")),
				field("join-pass", i18n.T("join.pass"), "", p.errPass,
					passInput(p.pass, p.show, "current-password").OnInput(func(ctx app.Context, e app.Event) {
						p.pass = ctx.JSSrc().Get("value").String()
						p.errPass = ""
					})),
				showToggle("join-show", p.show, func(ctx app.Context, e app.Event) {
					p.show = ctx.JSSrc().Get("checked").Bool()
				}),
				app.If(p.busy == "pass", func() app.UI { return busyBar(i18n.T("join.bringing")) }),
				app.Div().Class("actions").Body(
					app.Button().ID("join-unlock").Type("submit").Class("btn").Disabled(p.busy != "").
						Aria("busy", p.busy == "pass").Text(i18n.T("join.unlock")),
				),
			)
		}),
	}}
}

// joinOffer is the set-up page's way to the Join page.
func joinOffer() app.UI {
	return app.P().Class("join-offer").Body(
		app.A().ID("join-link").Class("btn btn-secondary").Href(PathJoin).Text(i18n.T("join.link")),
	)
}
