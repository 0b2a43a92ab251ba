package ui

import (
	"context"
	"errors"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/session"
	"backpack/internal/vault"
)

func init() { addPage(PathUnlock, false, func() app.Composer { return &Unlock{} }) }

// Unlock steps after the key is accepted.
const (
	unlockAsk     = ""        // passphrase or recovery key
	unlockNewPass = "newpass" // opened with the recovery key: offer a new passphrase
	unlockCorrupt = "corrupt" // some records could not be read: warn
)

// Unlock opens the vault with the passphrase or the recovery key. A wrong
// key changes nothing and says so.
type Unlock struct {
	app.Compo
	mounted // the page's own context, for what its buttons' work reports (see mounted)

	step     string
	recovery bool // use the recovery key instead of the passphrase
	pass     string
	key      string
	show     bool
	err      string
	busy     bool
	corrupt  int
	wait     time.Duration // until the next try is allowed (wrong tries in a row)

	newPass    string
	confirm    string
	errNew     string
	errConfirm string
	newErr     string
}

func (u *Unlock) OnNav(ctx app.Context) {
	if u.step != unlockAsk || u.busy {
		return
	}
	if current() != nil {
		u.next(ctx)
		return
	}
	ctx.Async(func() {
		exists, err := vaultExists(ctx)
		ctx.Dispatch(func(ctx app.Context) {
			switch {
			case err != nil:
				u.err = errorText(vault.MessageKey(err))
			case !exists:
				ctx.Navigate(PathSetup)
			default:
				kdfPrewarm() // ready by the time the passphrase is typed
				vaultFocus(ctx, u.inputID())
				u.countDown(ctx, guessWait())
			}
		})
	})
}

// countDown shows the wait before the next try and ticks it down.
func (u *Unlock) countDown(ctx app.Context, w time.Duration) {
	u.wait = (w + time.Second - 1).Truncate(time.Second) // whole seconds, rounded up: never 0 while waiting
	if u.wait <= 0 {
		u.wait = 0
		return
	}
	ctx.After(time.Second, func(ctx app.Context) { u.countDown(ctx, guessWait()) })
}

// next leaves the page: back to where the person was before the lock (or
// the reload, or the deep link they opened), else to the summary, or to the
// people page when there is no profile yet.
func (u *Unlock) next(ctx app.Context) {
	if pendingSpaceCode() != "" {
		ctx.Navigate(PathSpaceJoin) // a shared profile's link was opened while locked
		return
	}
	if _, ok := currentProfile(); !ok {
		ctx.Navigate(PathProfiles)
		return
	}
	if goBackAfterUnlock(ctx) {
		return
	}
	ctx.Navigate(PathSummary)
}

func (u *Unlock) inputID() string {
	if u.recovery {
		return "unlock-key"
	}
	return "unlock-pass"
}

func (u *Unlock) toggleRecovery(ctx app.Context, e app.Event) {
	ctx = u.own(ctx) // what the work reports outlives the element it came from
	u.recovery = !u.recovery
	u.err = ""
	u.pass, u.key = "", ""
	clearInputs(ctx, "unlock-pass", "unlock-key")
	vaultFocus(ctx, u.inputID())
}

func (u *Unlock) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	ctx = u.own(ctx) // what the work reports outlives the element it came from
	if u.busy {
		return
	}
	u.err = ""
	if w := guessWait(); w > 0 {
		u.countDown(ctx, w)
		return
	}
	recovery, pass, key := u.recovery, u.pass, u.key
	if (!recovery && pass == "") || (recovery && key == "") {
		u.err = i18n.T("vault.err.emptypass")
		if recovery {
			u.err = i18n.T("unlock.err.nokey")
		}
		vaultFocus(ctx, u.inputID())
		return
	}
	u.busy = true
	ctx.Async(func() {
		letPaint()
		st, err := store(ctx)
		var s *session.Session
		if err == nil {
			// Reading a large record pauses now and then, so the page
			// stays responsive (issue #12).
			uctx := vault.WithPause(ctx, unlockSlice, unlockYield)
			if recovery {
				s, err = session.UnlockWithRecoveryKey(uctx, st, key)
			} else {
				s, err = session.Unlock(uctx, st, pass)
			}
		}
		ctx.Dispatch(func(ctx app.Context) {
			u.busy = false
			if err != nil {
				u.err = errorText(vault.MessageKey(err))
				if errors.Is(err, vault.ErrWrongPassphrase) || errors.Is(err, vault.ErrWrongRecoveryKey) {
					u.countDown(ctx, guessFailed())
				}
				if !recovery { // a recovery key is long: keep it to fix a typo
					u.pass = ""
					clearInputs(ctx, "unlock-pass")
				}
				vaultFocus(ctx, u.inputID())
				return
			}
			u.pass, u.key = "", ""
			resetGuesses()
			setSession(s)
			catchUp(s)
			u.corrupt = s.Corrupt()
			switch {
			case recovery:
				u.step = unlockNewPass
				wantWordLists(u.own(ctx)) // the new passphrase's meter
				vaultFocus(ctx, "new-pass")
			case u.corrupt > 0:
				u.step = unlockCorrupt
			default:
				u.next(ctx)
			}
		})
	})
}

// catchUp stores entries kept under an older projection (billing stored as
// "other") with the current one, in the background once the first page
// has painted. What it cannot finish is done at the next unlock.
func catchUp(s *session.Session) {
	if len(s.Book().Stale()) == 0 {
		return
	}
	go func() {
		time.Sleep(2 * time.Second)
		s.Reproject(context.Background(), letPaint)
	}()
}

// afterRecovery goes on from the new-passphrase step.
func (u *Unlock) afterRecovery(ctx app.Context) {
	u.newPass, u.confirm = "", ""
	if u.corrupt > 0 {
		u.step = unlockCorrupt
		return
	}
	u.next(ctx)
}

func (u *Unlock) saveNewPass(ctx app.Context, e app.Event) {
	e.PreventDefault()
	ctx = u.own(ctx) // what the work reports outlives the element it came from
	if u.busy || waitWordLists(ctx, &u.busy, func(ctx app.Context) { u.saveNewPass(ctx, e) }) {
		return
	}
	u.newErr = ""
	u.errNew, u.errConfirm = checkNewPassphrase(u.newPass, u.confirm)
	if u.errNew != "" || u.errConfirm != "" {
		return
	}
	s := current()
	if s == nil {
		lockNow()
		return
	}
	u.busy = true
	pass := u.newPass
	ctx.Async(func() {
		letPaint()
		err := s.ChangePassphrase(ctx, pass)
		ctx.Dispatch(func(ctx app.Context) {
			u.busy = false
			if err != nil {
				u.newErr = errorText(vault.MessageKey(err))
				return
			}
			u.afterRecovery(ctx)
		})
	})
}

func (u *Unlock) Render() app.UI {
	switch u.step {
	case unlockCorrupt:
		// Each step sits in its own kind of element, so go-app builds fresh
		// inputs instead of reusing (and showing) the previous step's.
		return &Shell{Title: i18n.T("unlock.corrupt.title"), Content: []app.UI{app.Article().Body(
			app.Div().ID("corrupt").Class("banner warn-box").Role("alert").
				Text(i18n.T("unlock.corrupt", u.corrupt)),
			app.P().Text(i18n.T("unlock.corrupt.what")),
			app.Div().Class("actions").Body(
				app.Button().ID("corrupt-continue").Class("btn").Text(i18n.T("setup.continue")).
					OnClick(func(ctx app.Context, e app.Event) { u.next(ctx) }),
			),
		)}}
	case unlockNewPass:
		return &Shell{Title: i18n.T("unlock.newpass.title"), Content: []app.UI{app.Section().Body(
			okBanner(i18n.T("unlock.newpass.ok")),
			app.P().Text(i18n.T("unlock.newpass.intro")),
			app.If(u.newErr != "", func() app.UI { return errorBanner(u.newErr) }),
			app.Form().Class("card vault-form").OnSubmit(u.saveNewPass).Body(
				field("new-pass", i18n.T("settings.pass.new"), i18n.T("setup.pass.hint"), u.errNew,
					passInput(u.newPass, u.show, "new-password").OnInput(func(ctx app.Context, e app.Event) {
						u.newPass = ctx.JSSrc().Get("value").String()
						u.errNew = ""
					})),
				u.strengthMeter("new-strength", u.newPass),
				showToggle("new-show", u.show, func(ctx app.Context, e app.Event) {
					u.show = ctx.JSSrc().Get("checked").Bool()
				}),
				field("new-confirm", i18n.T("setup.confirm"), "", u.errConfirm,
					passInput(u.confirm, u.show, "new-password").OnInput(func(ctx app.Context, e app.Event) {
						u.confirm = ctx.JSSrc().Get("value").String()
						u.errConfirm = ""
					})),
				app.If(u.busy, func() app.UI { return busyBar(i18n.T("settings.pass.saving")) }),
				app.Div().Class("actions").Body(
					app.Button().ID("new-save").Type("submit").Class("btn").Disabled(u.busy).
						Text(i18n.T("settings.pass.save")),
					app.Button().ID("newpass-skip").Type("button").Class("btn btn-secondary").Disabled(u.busy).
						Text(i18n.T("unlock.newpass.skip")).
						OnClick(func(ctx app.Context, e app.Event) { u.afterRecovery(ctx) }),
				),
			),
		)}}
	}

	var input app.UI
	if u.recovery {
		input = field("unlock-key", i18n.T("unlock.key"), i18n.T("unlock.key.hint"), "",
			app.Input().Type("text").Value(u.key).Class("recovery-input").
				AutoFocus(true).Spellcheck(false).
				Attr("autocomplete", "off").Attr("autocapitalize", "characters").Attr("autocorrect", "off").
				OnInput(func(ctx app.Context, e app.Event) { u.key = ctx.JSSrc().Get("value").String() }))
	} else {
		input = field("unlock-pass", i18n.T("unlock.pass"), "", "",
			passInput(u.pass, u.show, "current-password").AutoFocus(true).
				OnInput(func(ctx app.Context, e app.Event) {
					u.pass = ctx.JSSrc().Get("value").String()
					kdfPrewarm() // kept up while the passphrase is typed
				}))
	}
	return &Shell{Title: i18n.T("unlock.title"), Content: []app.UI{app.Div().Body(
		app.P().Text(i18n.T("unlock.intro")),
		app.Div().ID("unlock-status").Body(
			app.If(u.err != "", func() app.UI { return errorBanner(u.err) }),
			app.If(u.wait > 0, func() app.UI {
				return app.P().ID("unlock-wait").Class("banner warn-box").Aria("live", "polite").
					Text(i18n.N("unlock.wait", int(u.wait/time.Second)))
			}),
		),
		app.Form().ID("unlock-form").Class("card vault-form").OnSubmit(u.submit).Body(
			input,
			app.If(!u.recovery, func() app.UI {
				return showToggle("unlock-show", u.show, func(ctx app.Context, e app.Event) {
					u.show = ctx.JSSrc().Get("checked").Bool()
				})
			}),
			app.If(u.busy, func() app.UI { return busyBar(i18n.T("unlock.busy")) }),
			app.Div().Class("actions").Body(
				app.Button().ID("unlock").Type("submit").Class("btn").Disabled(u.busy || u.wait > 0).
					Aria("busy", u.busy).Text(i18n.T("unlock.button")),
				app.Button().ID("use-recovery").Type("button").Class("btn btn-secondary").Disabled(u.busy).
					Text(u.toggleLabel()).OnClick(u.toggleRecovery),
			),
		),
		app.P().Class("muted").Text(i18n.T("unlock.forgot")),
	)}}
}

func (u *Unlock) toggleLabel() string {
	if u.recovery {
		return i18n.T("unlock.usepass")
	}
	return i18n.T("unlock.userecovery")
}

// unlockSlice is how long unlocking reads headers between two yields
// (unlockYield: a turn of the browser's event loop).
const unlockSlice = 40 * time.Millisecond

func unlockYield() { time.Sleep(time.Millisecond) }
