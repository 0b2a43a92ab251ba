package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
)

// errorBanner shows an error message that screen readers announce.
func errorBanner(msg string) app.UI {
	return app.Div().Class("banner error").Role("alert").Text(msg)
}

// okBanner shows a confirmation that screen readers announce.
func okBanner(msg string) app.UI {
	return app.Div().Class("banner ok").Role("status").Text(msg)
}

// field renders a labelled input with an optional hint and error; the error
// is tied to the input with aria-describedby.
func field(id, label, hint, errMsg string, input app.HTMLInput) app.UI {
	if errMsg != "" {
		input = input.Aria("invalid", "true").Aria("describedby", id+"-err")
	}
	return app.Label().For(id).Body(
		app.Span().Text(label),
		app.If(hint != "", func() app.UI { return app.Span().Class("field-hint").Text(hint) }),
		input.ID(id),
		app.If(errMsg != "", func() app.UI { return app.Span().ID(id + "-err").Class("field-error").Text(errMsg) }),
	)
}

// errorText turns an error into a message for people: a catalog message when
// the error is known, else a generic one (never raw values).
func errorText(key string) string {
	if key == "" || !i18n.Has(key) {
		return i18n.T("app.error.generic")
	}
	return i18n.T(key)
}
