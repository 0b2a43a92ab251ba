package ui

import (
	"context"
	"errors"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/exportdata"
	"backpack/internal/i18n"
	"backpack/internal/worker"
)

// xpOpener is the "open an export file" form the restore page and the
// provider view share: the file, then its passphrase or a private key (and
// that key's passphrase).
type xpOpener struct {
	prefix string   // element id prefix
	page   *mounted // the page it is on, for what reading a key file reports

	file    jsFile
	hasFile bool
	name    string
	size    int64

	useKey  bool
	pass    string
	keyText string
	keyPass string
	keyErr  string
}

// ready reports whether the form has what opening needs.
func (o *xpOpener) ready() bool {
	if !o.hasFile {
		return false
	}
	if o.useKey {
		return strings.TrimSpace(o.keyText) != ""
	}
	return o.pass != ""
}

// open opens the chosen file in the worker module with what the form
// holds; progress, when set, gets the bytes read so far; files' bytes go
// to sink as they are read, or into Opened.Files when sink is nil. The
// error's catalog key is xpOpenErrorKey's.
func (o *xpOpener) open(ctx context.Context, progress func(read int64), sink exportdata.FileSink) (worker.Opened, error) {
	q := worker.OpenRequest{UseKey: o.useKey, Pass: o.pass, KeyText: o.keyText, KeyPass: o.keyPass}
	return xpOpenRead(ctx, o.file, q, progress, sink)
}

// xpOpenErrorKey is the catalog key explaining why a file did not open.
func xpOpenErrorKey(err error) string {
	var f *worker.Failure
	if errors.As(err, &f) {
		return f.Key
	}
	return exportdata.ErrorKey(err)
}

// render draws the form; changed is called after each change. Its
// handlers are scoped by the opener (o.prefix): go-app keeps the first
// handler it rendered, so changed must stay the same for one opener.
func (o *xpOpener) render(disabled bool, changed func()) app.UI {
	id := func(s string) string { return o.prefix + "-" + s }
	scope := app.EventScope(o.prefix)
	return app.Div().Class("xp-opener").Body(
		app.Label().For(id("file")).Class("xp-file").Body(
			app.Span().Text(i18n.T("ui.open.file")),
			app.Span().Class("field-hint").Text(i18n.T("ui.open.file.hint")),
			app.Input().Type("file").ID(id("file")).Accept(".pgp,.gpg,.asc,application/pgp-encrypted,application/octet-stream").
				Disabled(disabled).
				OnChange(func(ctx app.Context, e app.Event) {
					files := filesOf(e)
					o.hasFile = len(files) > 0
					if o.hasFile {
						o.file, o.name, o.size = files[0], files[0].Name(), files[0].Size()
					}
					changed()
				}, scope),
		),
		app.If(o.hasFile, func() app.UI {
			return app.P().ID(id("chosen")).Class("muted").Text(i18n.T("ui.open.chosen", o.name, xpSize(o.size)))
		}),
		app.FieldSet().Class("xp-checks xp-inline").Body(
			app.Legend().Text(i18n.T("ui.open.with")),
			o.radio(id("with-pass"), i18n.T("ui.open.with.pass"), !o.useKey, disabled, func() { o.useKey = false; changed() }),
			o.radio(id("with-key"), i18n.T("ui.open.with.key"), o.useKey, disabled, func() { o.useKey = true; changed() }),
		),
		app.If(!o.useKey, func() app.UI {
			return field(id("pass"), i18n.T("ui.open.pass.label"), i18n.T("ui.open.pass.hint"), "",
				app.Input().Type("password").AutoComplete(false).Spellcheck(false).Value(o.pass).Disabled(disabled).
					OnInput(func(ctx app.Context, e app.Event) { o.pass = ctx.JSSrc().Get("value").String(); changed() }, scope))
		}).Else(func() app.UI {
			return app.Div().Class("xp-protect").Body(
				app.Label().For(id("key")).Body(
					app.Span().Text(i18n.T("ui.open.key.label")),
					app.Span().Class("field-hint").Text(i18n.T("ui.open.key.hint")),
					app.Textarea().ID(id("key")).Class("xp-mono").Spellcheck(false).Disabled(disabled).
						Placeholder("-----BEGIN PGP PRIVATE KEY BLOCK-----").Text(o.keyText).
						OnInput(func(ctx app.Context, e app.Event) { o.keyText = ctx.JSSrc().Get("value").String(); changed() }, scope),
				),
				app.Label().For(id("keyfile")).Class("xp-file").Body(
					app.Span().Text(i18n.T("ui.open.key.file")),
					app.Input().Type("file").ID(id("keyfile")).Accept(".asc,.gpg,.key,.txt").Disabled(disabled).
						OnChange(func(ctx app.Context, e app.Event) {
							files := filesOf(e)
							if len(files) == 0 {
								return
							}
							f := files[0]
							ctx = o.page.own(ctx)
							ctx.Async(func() {
								text, err := xpReadText(f, maxKeyFile)
								ctx.Dispatch(func(ctx app.Context) {
									o.keyErr = ""
									if err != nil {
										o.keyErr = errorText("export.err.badkey")
										return
									}
									o.keyText = text
									changed()
								})
							})
						}, scope),
				),
				app.If(o.keyErr != "", func() app.UI { return app.P().Class("field-error").Role("alert").Text(o.keyErr) }),
				field(id("keypass"), i18n.T("ui.open.keypass.label"), i18n.T("ui.open.keypass.hint"), "",
					app.Input().Type("password").AutoComplete(false).Value(o.keyPass).Disabled(disabled).
						OnInput(func(ctx app.Context, e app.Event) { o.keyPass = ctx.JSSrc().Get("value").String() })),
			)
		}),
	)
}

func (o *xpOpener) radio(id, label string, checked, disabled bool, set func()) app.UI {
	return app.Label().Class("xp-check").For(id).Body(
		app.Input().Type("radio").ID(id).Name(o.prefix+"-with").Checked(checked).Disabled(disabled).
			OnChange(func(ctx app.Context, e app.Event) { set() }, app.EventScope(id)),
		app.Span().Class("xp-check-text").Text(label),
	)
}
