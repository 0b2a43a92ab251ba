package ui

import (
	"errors"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/vault"
)

func init() { addPage(PathSettings, false, func() app.Composer { return &Settings{} }) }

// autoLockChoices are the idle times offered, in minutes (0 = never).
var autoLockChoices = []int{1, 5, 10, 30, 0}

// Settings: lock and auto-lock, passphrase, recovery key, storage, language.
type Settings struct {
	app.Compo
	mounted // the page's own context, for what its buttons' work reports (see mounted)

	autoLock  int
	lockSaved bool

	// Change passphrase.
	cur, newPass, confirm      string
	show                       bool
	errCur, errNew, errConfirm string
	passErr, passOK            string
	passBusy                   bool

	// New recovery key.
	recAsk   bool // confirming that the old key stops working
	recBusy  bool
	recovery string // shown once
	recSaved bool
	recErr   string
	recOK    string

	// Storage.
	usage, quota   uint64
	estimated      bool
	persistent     bool
	persistKnown   bool
	persistBusy    bool
	persistRefused bool

	remount bool // flipped to re-mount the shell after a language change
}

func (p *Settings) OnNav(ctx app.Context) {
	if !requireSession(ctx) {
		return
	}
	wantWordLists(ctx) // the new passphrase's meter
	p.autoLock = autoLockMinutes()
	p.loadStorage(ctx)
}

func (p *Settings) loadStorage(ctx app.Context) {
	ctx.Async(func() {
		usage, quota, errEst := storageEstimate(ctx)
		pers, errPers := storagePersisted(ctx)
		ctx.Dispatch(func(ctx app.Context) {
			p.usage, p.quota, p.estimated = usage, quota, errEst == nil && quota > 0
			p.persistent, p.persistKnown = pers, errPers == nil
		})
	})
}

func (p *Settings) setAutoLock(ctx app.Context, e app.Event) {
	n, err := strconv.Atoi(ctx.JSSrc().Get("value").String())
	if err != nil {
		return
	}
	setAutoLockMinutes(n)
	p.autoLock = n
	p.lockSaved = true
}

func (p *Settings) changePass(ctx app.Context, e app.Event) {
	e.PreventDefault()
	ctx = p.own(ctx) // what the work reports outlives the element it came from
	if p.passBusy || waitWordLists(ctx, &p.passBusy, func(ctx app.Context) { p.changePass(ctx, e) }) {
		return
	}
	p.passErr, p.passOK, p.errCur = "", "", ""
	p.errNew, p.errConfirm = checkNewPassphrase(p.newPass, p.confirm)
	if p.cur == "" {
		p.errCur = i18n.T("settings.pass.needcurrent")
	} else if p.errNew == "" && p.newPass == p.cur {
		p.errNew = i18n.T("settings.pass.same")
	}
	switch {
	case p.errCur != "":
		vaultFocus(ctx, "cur-pass")
		return
	case p.errNew != "":
		vaultFocus(ctx, "set-pass")
		return
	case p.errConfirm != "":
		vaultFocus(ctx, "set-confirm")
		return
	}
	s := current()
	if s == nil {
		lockNow()
		return
	}
	p.passBusy = true
	cur, next := p.cur, p.newPass
	ctx.Async(func() {
		letPaint()
		st, err := store(ctx)
		if err == nil {
			// Check the current passphrase against the stored keyslot.
			var check *vault.Vault
			if check, err = vault.Unlock(ctx, st, cur); err == nil {
				check.Lock()
				err = s.ChangePassphrase(ctx, next)
			}
		}
		ctx.Dispatch(func(ctx app.Context) {
			p.passBusy = false
			switch {
			case errors.Is(err, vault.ErrWrongPassphrase):
				p.errCur = errorText(vault.MessageKey(err))
				p.cur = ""
				clearInputs(ctx, "cur-pass")
				vaultFocus(ctx, "cur-pass")
			case err != nil:
				p.passErr = errorText(vault.MessageKey(err))
			default:
				p.cur, p.newPass, p.confirm = "", "", ""
				clearInputs(ctx, "cur-pass", "set-pass", "set-confirm")
				p.passOK = i18n.T("settings.pass.done")
			}
		})
	})
}

func (p *Settings) newRecovery(ctx app.Context, e app.Event) {
	ctx = p.own(ctx) // what the work reports outlives the element it came from
	s := current()
	if s == nil || p.recBusy {
		return
	}
	p.recBusy, p.recErr, p.recOK = true, "", ""
	ctx.Async(func() {
		key, err := s.Vault().NewRecoveryKey(ctx)
		ctx.Dispatch(func(ctx app.Context) {
			p.recBusy, p.recAsk = false, false
			if err != nil {
				p.recErr = errorText(vault.MessageKey(err))
				return
			}
			p.recovery, p.recSaved = key, false
			vaultFocus(ctx, "recovery-title")
		})
	})
}

func (p *Settings) persist(ctx app.Context, e app.Event) {
	ctx = p.own(ctx) // what the work reports outlives the element it came from
	if p.persistBusy {
		return
	}
	p.persistBusy = true
	ctx.Async(func() {
		ok, err := persistStorage(ctx)
		ctx.Dispatch(func(ctx app.Context) {
			p.persistBusy = false
			p.persistent, p.persistKnown = ok, err == nil || ok
			p.persistRefused = !ok
		})
	})
}

func (p *Settings) Render() app.UI {
	if current() == nil {
		return &Shell{Title: i18n.T("settings.title")}
	}
	showingKey := p.recovery != ""
	hideWhenPrinting := func(class string) string {
		if showingKey {
			return class + " no-print"
		}
		return class
	}
	shell := &Shell{Title: i18n.T("settings.title"), Content: []app.UI{
		app.If(showingKey, func() app.UI {
			return recoveryKeyBlock(p.recovery, p.recSaved,
				func(ctx app.Context, e app.Event) { p.recSaved = ctx.JSSrc().Get("checked").Bool() },
				func(ctx app.Context, e app.Event) { printPage() },
				func(ctx app.Context, e app.Event) {
					p.recovery, p.recSaved = "", false
					p.recOK = i18n.T("settings.recovery.done")
				}, i18n.T("settings.recovery.close"))
		}),
		app.Div().Class(hideWhenPrinting("settings")).Body(
			p.renderLock(),
			syncSettingsCard(),
			p.renderPassphrase(),
			p.renderRecovery(),
			p.renderStorage(),
			p.renderLanguage(),
		),
	}}
	if p.remount {
		// A different root makes go-app mount a fresh shell, so the top bar
		// and navigation are drawn again in the new language.
		return app.Div().Class("remount").Body(shell)
	}
	return shell
}

func (p *Settings) renderLock() app.UI {
	return app.Section().ID("lock-settings").Class("card settings-card").Aria("labelledby", "lock-title").Body(
		app.H2().ID("lock-title").Text(i18n.T("settings.lock.title")),
		app.P().Class("muted").Text(i18n.T("settings.lock.intro")),
		app.Div().Class("actions").Body(
			app.Button().ID("lock-now").Class("btn").Text(i18n.T("settings.lock.now")).
				OnClick(func(ctx app.Context, e app.Event) { lockNow() }),
		),
		app.Label().For("autolock").Body(
			app.Span().Text(i18n.T("settings.autolock")),
			app.Select().ID("autolock").OnChange(p.setAutoLock).Aria("describedby", "autolock-status").Body(
				app.Range(autoLockChoices).Slice(func(i int) app.UI {
					n := autoLockChoices[i]
					label := i18n.T("settings.autolock.never")
					if n > 0 {
						label = i18n.N("settings.autolock.mins", n)
					}
					return app.Option().Value(strconv.Itoa(n)).Selected(n == p.autoLock).Text(label)
				}),
			),
		),
		app.P().ID("autolock-status").Class("muted").Aria("live", "polite").Body(
			app.If(p.lockSaved, func() app.UI { return app.Text(i18n.T("settings.saved")) }),
		),
	)
}

func (p *Settings) renderPassphrase() app.UI {
	return app.Section().ID("pass-settings").Class("card settings-card").Aria("labelledby", "pass-title").Body(
		app.H2().ID("pass-title").Text(i18n.T("settings.pass.title")),
		app.P().Class("muted").Text(i18n.T("settings.pass.intro")),
		app.If(engine() != nil, func() app.UI { return app.P().ID("pass-sync-note").Class("muted").Text(i18n.T("sync.pass.note")) }),
		app.If(p.passErr != "", func() app.UI { return errorBanner(p.passErr) }),
		app.If(p.passOK != "", func() app.UI { return okBanner(p.passOK) }),
		app.Form().ID("pass-form").OnSubmit(p.changePass).Body(
			field("cur-pass", i18n.T("settings.pass.current"), "", p.errCur,
				passInput(p.cur, p.show, "current-password").OnInput(func(ctx app.Context, e app.Event) {
					p.cur = ctx.JSSrc().Get("value").String()
					p.errCur, p.passOK = "", ""
				})),
			field("set-pass", i18n.T("settings.pass.new"), i18n.T("setup.pass.hint"), p.errNew,
				passInput(p.newPass, p.show, "new-password").OnInput(func(ctx app.Context, e app.Event) {
					p.newPass = ctx.JSSrc().Get("value").String()
					p.errNew, p.passOK = "", ""
				})),
			p.strengthMeter("set-strength", p.newPass),
			field("set-confirm", i18n.T("setup.confirm"), "", p.errConfirm,
				passInput(p.confirm, p.show, "new-password").OnInput(func(ctx app.Context, e app.Event) {
					p.confirm = ctx.JSSrc().Get("value").String()
					p.errConfirm = ""
				})),
			showToggle("set-show", p.show, func(ctx app.Context, e app.Event) {
				p.show = ctx.JSSrc().Get("checked").Bool()
			}),
			app.If(p.passBusy, func() app.UI { return busyBar(i18n.T("settings.pass.saving")) }),
			app.Div().Class("actions").Body(
				app.Button().ID("pass-save").Type("submit").Class("btn").Disabled(p.passBusy).
					Aria("busy", p.passBusy).Text(i18n.T("settings.pass.save")),
			),
		),
	)
}

func (p *Settings) renderRecovery() app.UI {
	return app.Section().ID("recovery-settings").Class("card settings-card").Aria("labelledby", "rec-title").Body(
		app.H2().ID("rec-title").Text(i18n.T("settings.recovery.title")),
		app.P().Class("muted").Text(i18n.T("settings.recovery.intro")),
		app.If(engine() != nil, func() app.UI {
			return app.P().ID("recovery-sync-note").Class("muted").Text(i18n.T("sync.recovery.note"))
		}),
		app.If(p.recErr != "", func() app.UI { return errorBanner(p.recErr) }),
		app.If(p.recOK != "", func() app.UI { return okBanner(p.recOK) }),
		app.If(p.recAsk, func() app.UI {
			return app.Div().ID("recovery-confirm").Class("confirm-box").Role("alertdialog").
				Aria("labelledby", "recovery-confirm-text").Body(
				app.P().ID("recovery-confirm-text").Text(i18n.T("settings.recovery.warn")),
				app.Div().Class("actions").Body(
					app.Button().ID("recovery-make").Class("btn").Disabled(p.recBusy).
						Text(i18n.T("settings.recovery.make")).OnClick(p.newRecovery),
					app.Button().ID("recovery-cancel").Class("btn btn-secondary").Disabled(p.recBusy).
						Text(i18n.T("people.cancel")).
						OnClick(func(ctx app.Context, e app.Event) { p.recAsk = false }),
				),
			)
		}).Else(func() app.UI {
			return app.Div().Class("actions").Body(
				app.Button().ID("recovery-new").Class("btn btn-secondary").Disabled(p.recovery != "").
					Text(i18n.T("settings.recovery.new")).
					OnClick(func(ctx app.Context, e app.Event) { p.recAsk, p.recOK = true, "" }),
			)
		}),
	)
}

func (p *Settings) renderStorage() app.UI {
	status := i18n.T("settings.storage.unknown")
	if p.persistKnown && p.persistent {
		status = i18n.T("settings.storage.persistent")
	} else if p.persistKnown {
		status = i18n.T("settings.storage.notpersistent")
	}
	return app.Section().ID("storage-settings").Class("card settings-card").Aria("labelledby", "storage-title").Body(
		app.H2().ID("storage-title").Text(i18n.T("settings.storage.title")),
		app.If(p.estimated, func() app.UI {
			return app.P().ID("storage-usage").Text(i18n.T("vault.usage", i18n.Size(i18n.Current(), int64(p.usage)), i18n.Size(i18n.Current(), int64(p.quota))))
		}),
		app.P().ID("storage-status").Class(persistClass(p.persistKnown && p.persistent)).
			Aria("live", "polite").Text(status),
		app.If(p.persistRefused, func() app.UI {
			return app.P().Class("warn-box").Role("status").Text(i18n.T("vault.persist.denied"))
		}),
		app.If(!p.persistent, func() app.UI {
			return app.Div().Class("actions").Body(
				app.Button().ID("persist").Class("btn btn-secondary").Disabled(p.persistBusy).
					Text(i18n.T("settings.storage.persist")).OnClick(p.persist),
			)
		}),
		app.P().Class("muted").Text(i18n.T("settings.storage.safari")),
		app.P().Body(app.A().ID("backup-link").Class("btn btn-secondary").Href(PathExport).
			Text(i18n.T("settings.storage.export"))),
	)
}

func persistClass(ok bool) string {
	if ok {
		return "ok-box"
	}
	return "warn-box"
}

func (p *Settings) renderLanguage() app.UI {
	cur := i18n.Current()
	return app.Section().ID("lang-settings").Class("card settings-card").Aria("labelledby", "lang-title").Body(
		app.H2().ID("lang-title").Text(i18n.T("app.language")),
		app.Label().For("settings-lang").Body(
			app.Span().Text(i18n.T("settings.lang.label")),
			app.Select().ID("settings-lang").OnChange(func(ctx app.Context, e app.Event) {
				switchLangLive(i18n.Lang(ctx.JSSrc().Get("value").String()))
				p.remount = !p.remount
				// Messages already on screen were in the old language.
				p.lockSaved, p.passOK, p.passErr, p.recOK, p.recErr = false, "", "", "", ""
				p.errCur, p.errNew, p.errConfirm = "", "", ""
			}).Body(app.Range(i18n.Langs).Slice(func(i int) app.UI {
				lang := i18n.Langs[i]
				return app.Option().Value(string(lang)).Selected(lang == cur).Text(i18n.In(lang, "lang.name"))
			})),
		),
	)
}
