package ui

import (
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/vault"
)

// minPassScore is the weakest passphrase (vault.Strength score, zxcvbn's)
// a vault accepts: "good", at least 10^8 guesses by zxcvbn's estimate, each
// of which costs an attacker an Argon2id derivation.
const minPassScore = 3

// strongEnough reports whether a passphrase may protect a vault or an
// export file (which anyone holding it can try to guess offline).
func strongEnough(pass string) bool {
	score, _ := vault.Strength(pass)
	return score >= minPassScore
}

// letPaint yields to the browser for a moment so a busy state is drawn
// before CPU-heavy work (Argon2id) holds the only thread.
func letPaint() { time.Sleep(40 * time.Millisecond) }

// strengthMeter shows how hard pass is to guess: four bars and a short tip,
// announced politely to screen readers. While zxcvbn's word lists load
// (see wordlists.go) it says "Checking…"; if they could not be loaded, it
// says so with a Try again button that asks m's page to load them again.
// (A method of the page's mounted, the one thing its handler acts on.)
func (m *mounted) strengthMeter(id, pass string) app.UI {
	score, reason := vault.Strength(pass)
	level := i18n.T("vault.strength." + strconv.Itoa(score))
	text := i18n.T("setup.strength", level, i18n.T(reason))
	failed := wordListsFailed() // shown before anything is typed, too
	checking := reason == vault.StrengthChecking || failed
	if checking {
		level = i18n.T("setup.strength.checking")
		text = i18n.T(reason)
		if failed {
			text = i18n.T("vault.strength.unavailable")
		}
	}
	return app.Div().ID(id).Class("strength").Body(
		app.Div().Class("meter s"+strconv.Itoa(score)).
			Role("meter").
			Aria("label", i18n.T("setup.strength.label")).
			Aria("valuemin", "0").Aria("valuemax", "4").
			Aria("valuenow", strconv.Itoa(score)).Aria("valuetext", level).
			Aria("busy", checking && !failed).
			Body(app.Span(), app.Span(), app.Span(), app.Span()),
		app.P().ID(id+"-text").Class("strength-text").Aria("live", "polite").Text(text),
		app.If(failed, func() app.UI {
			return app.Button().ID(id + "-retry").Type("button").Class("btn btn-secondary btn-small").
				Text(i18n.T("setup.strength.retry")).
				OnClick(func(ctx app.Context, e app.Event) {
					ctx = m.own(ctx) // the page re-renders when the lists are here
					wantWordLists(ctx)
				})
		}),
	)
}

// passInput is a passphrase input: hidden unless show, never spell-checked
// or auto-capitalised.
func passInput(value string, show bool, autocomplete string) app.HTMLInput {
	typ := "password"
	if show {
		typ = "text"
	}
	return app.Input().Type(typ).Value(value).
		Attr("autocomplete", autocomplete).
		Spellcheck(false).
		Attr("autocapitalize", "off").
		Attr("autocorrect", "off")
}

// showToggle is the "show passphrase" checkbox.
func showToggle(id string, show bool, onChange app.EventHandler) app.UI {
	return app.Label().For(id).Class("vault-check").Body(
		app.Input().ID(id).Type("checkbox").Checked(show).OnChange(onChange),
		app.Span().Text(i18n.T("setup.show")),
	)
}

// recoveryKeyBlock shows a recovery key once, with a Print button and the
// "I have saved it" checkbox that unlocks the continue button.
func recoveryKeyBlock(key string, saved bool, onSaved, onPrint, onDone app.EventHandler, doneLabel string) app.UI {
	return app.Section().ID("recovery").Class("card recovery-card").Aria("labelledby", "recovery-title").Body(
		app.H2().ID("recovery-title").Text(i18n.T("vault.recovery.title")),
		app.P().Text(i18n.T("vault.recovery.note")),
		app.P().ID("recovery-key").Class("recovery").Text(key),
		app.P().Class("muted").Text(i18n.T("setup.recovery.how")),
		app.Div().Class("actions no-print").Body(
			app.Button().ID("print").Type("button").Class("btn btn-secondary").
				Text(i18n.T("setup.recovery.print")).OnClick(onPrint),
		),
		app.Label().For("saved").Class("vault-check no-print").Body(
			app.Input().ID("saved").Type("checkbox").Checked(saved).OnChange(onSaved),
			app.Span().Text(i18n.T("setup.recovery.saved")),
		),
		app.Div().Class("actions no-print").Body(
			app.Button().ID("recovery-done").Type("button").Class("btn").Disabled(!saved).
				Text(doneLabel).OnClick(onDone),
		),
	)
}

// busyBar is an indeterminate progress bar with a status line.
func busyBar(label string) app.UI {
	return app.Div().Class("busy").Role("status").Aria("live", "polite").Body(
		app.Progress().Aria("label", label),
		app.Span().Text(label),
	)
}

// clearInputs empties inputs after the next render. go-app's Value("")
// removes the value attribute but leaves what was typed in the field, so
// secrets are cleared here explicitly.
func clearInputs(ctx app.Context, ids ...string) {
	ctx.Defer(func(app.Context) {
		for _, id := range ids {
			if el := app.Window().GetElementByID(id); el.Truthy() {
				el.Set("value", "")
			}
		}
	})
}
