package ui

import (
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/exportdata"
	"backpack/internal/i18n"
	"backpack/internal/vault"
	"backpack/internal/worker"
)

func init() { addPage(PathExport, false, func() app.Composer { return &Export{} }) }

// How an export is protected.
const (
	xpProtectGenerated = "generated" // a generated passphrase (read aloud)
	xpProtectOwn       = "own"       // a passphrase the person types
	xpProtectKey       = "key"       // a provider's OpenPGP public key
)

// maxKeyFile bounds a public or private key file read into memory.
const maxKeyFile = 1 << 20

// Export writes one encrypted OpenPGP file of the whole vault, one profile or
// a chosen part, protected by a passphrase or a provider's public key.
type Export struct {
	app.Compo
	mounted // the page's own context, for what its buttons' work reports (see mounted)

	ready  bool
	choice exportChoice

	protect   string
	generated string
	own       string
	keyText   string
	keyFpr    string // fingerprint of a valid public key
	keyErr    string

	pre *xpPrefetch // the records, read when the page opened

	busy       bool
	done       int64
	total      int64
	err        string
	url        string // object URL of the finished file
	name       string
	size       int64
	copied     bool
	passShown  string // the passphrase the finished file uses
	finishedAt time.Time
}

func (x *Export) OnNav(ctx app.Context) {
	if !requireSession(ctx) || x.ready {
		return
	}
	x.choice = newExportChoice(current())
	x.protect = xpProtectGenerated
	x.generated = exportdata.GeneratePassphrase()
	x.ready = true
	// Decrypting the records takes most of a second on a long history:
	// it starts now, while the person chooses, and Export waits for it.
	x.pre = startXPPrefetch(ctx, current())
	workerPrewarm() // the file is written there
}

// OnDismount forgets the finished file and the records read for export.
func (x *Export) OnDismount() {
	x.forgetFile()
	x.pre = nil
}

// forgetFile forgets the finished file (also when the person changes how
// the next one is protected, so the page never shows a stale passphrase).
func (x *Export) forgetFile() {
	if x.url != "" {
		revokeURL(x.url)
		x.url = ""
	}
}

// passphrase returns the passphrase the export will use ("" for a key).
func (x *Export) passphrase() string {
	switch x.protect {
	case xpProtectGenerated:
		return x.generated
	case xpProtectOwn:
		return x.own
	}
	return ""
}

func (x *Export) start(ctx app.Context, e app.Event) {
	e.PreventDefault()
	ctx = x.mounted.own(ctx) // what the work reports outlives the element it came from
	if x.busy {
		return
	}
	s := current()
	if s == nil {
		lockNow()
		return
	}
	// The worker checks the recipient again; these are the page's own
	// checks, so that a mistake is said before any work.
	q := worker.WriteRequest{UseKey: x.protect == xpProtectKey, Pass: x.passphrase(), KeyText: x.keyText}
	if !q.UseKey && strings.TrimSpace(q.Pass) == "" {
		x.err = errorText(exportdata.ErrorKey(exportdata.ErrEmptyPassphrase))
		return
	}
	x.forgetFile()
	sel := x.choice.selection()
	pre := x.pre
	pass := x.passphrase()
	x.busy, x.err, x.done, x.total, x.copied = true, "", 0, 1, false
	ctx.Async(func() {
		defer heavyWork()()
		var url, name string
		var size int64
		t0 := time.Now()
		data, err := pre.get(ctx, s)
		t1 := time.Now()
		var t2 time.Time
		if err == nil {
			name = strings.TrimSuffix(exportdata.FileName(time.Now()), ".zip") + ".pgp"
			// The worker writes the file (internal/worker): the page
			// sends the selected records and files and keeps the parts.
			q.Data, q.Sel = data.Select(sel), sel
			var th throttle
			url, size, err = xpWrite(ctx, s, q, func(done, total int64) {
				if th.ok() {
					ctx.Dispatch(func(ctx app.Context) { x.done, x.total = done, total })
				}
			})
			t2 = time.Now()
			if err == nil {
				xpSave(url, name)
			}
			xpPublishStats("backpackExportStats", map[string]float64{
				"dataMs":  float64(t1.Sub(t0).Milliseconds()),
				"writeMs": float64(t2.Sub(t1).Milliseconds()),
				"blobMs":  float64(time.Since(t2).Milliseconds()),
				"entries": float64(len(data.Entries)),
				"bytes":   float64(size),
			})
		}
		ctx.Dispatch(func(ctx app.Context) {
			x.busy = false
			if err != nil {
				x.err = errorText(xpOpenErrorKey(err)) // the worker's Failure says its key
				return
			}
			x.url, x.name, x.size, x.passShown, x.finishedAt = url, name, size, pass, time.Now()
			x.done = x.total
		})
	})
}

func (x *Export) checkKey(ctx app.Context, text string) {
	ctx = x.mounted.own(ctx) // what the work reports outlives the element it came from
	x.keyText = text
	x.keyFpr, x.keyErr = "", ""
	if strings.TrimSpace(text) == "" {
		return
	}
	ctx.Async(func() {
		fpr, err := xpCheckKey(ctx, text) // the OpenPGP code is in the worker module
		ctx.Dispatch(func(ctx app.Context) {
			if text != x.keyText {
				return // changed meanwhile
			}
			if err != nil {
				x.keyErr = errorText(xpOpenErrorKey(err))
				return
			}
			x.keyFpr = fpr
		})
	})
}

func (x *Export) loadKey(ctx app.Context, e app.Event) {
	ctx = x.mounted.own(ctx) // what the work reports outlives the element it came from
	files := filesOf(e)
	if len(files) == 0 {
		return
	}
	f := files[0]
	ctx.Async(func() {
		text, err := xpReadText(f, maxKeyFile)
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				x.keyErr = errorText("export.err.badkey")
				return
			}
			x.checkKey(ctx, text)
		})
	})
}

func (x *Export) Render() app.UI {
	if !x.ready {
		return &Shell{Title: i18n.T("ui.export.title")}
	}
	ok := !x.busy && !x.choice.empty() && (x.protect != xpProtectKey || x.keyFpr != "") &&
		(x.protect != xpProtectOwn || strongEnough(x.own))
	return &Shell{Title: i18n.T("ui.export.title"), Content: []app.UI{
		app.P().Class("xp-lead").Text(i18n.T("ui.export.intro")),
		app.Form().ID("export-form").OnSubmit(x.start).Body(
			app.Section().Class("card xp-step").Body(
				app.H2().Text(i18n.T("ui.export.step.what")),
				x.choice.render("xp", x.busy),
			),
			app.Section().Class("card xp-step").Body(
				app.H2().Text(i18n.T("ui.export.step.protect")),
				x.renderProtect(),
			),
			app.Section().Class("card xp-step").Body(
				app.H2().Text(i18n.T("ui.export.step.save")),
				app.If(x.err != "", func() app.UI { return errorBanner(x.err) }),
				app.Div().Class("actions").Body(
					app.Button().ID("export-start").Type("submit").Class("btn").Disabled(!ok).
						Text(i18n.T("ui.export.start")),
				),
				app.If(x.busy || x.url != "", func() app.UI {
					return app.Div().Class("xp-progress").Body(
						app.Progress().ID("export-progress").Max(x.total).Value(x.done).
							Aria("label", i18n.T("ui.export.progress")),
						app.P().Class("muted").Aria("live", "polite").Text(xpPercent(x.done, x.total)),
					)
				}),
				app.If(x.url != "", func() app.UI { return x.renderDone() }),
			),
		),
		xpHowToOpen(x.name, x.protect == xpProtectKey),
	}}
}

func (x *Export) renderProtect() app.UI {
	radio := func(v, label, hint string) app.UI {
		id := "xp-protect-" + v
		return app.Label().Class("xp-check").For(id).Body(
			app.Input().Type("radio").ID(id).Name("xp-protect").Value(v).Checked(x.protect == v).Disabled(x.busy).
				OnChange(func(ctx app.Context, e app.Event) {
					x.protect = v
					x.err = ""
					x.forgetFile()
					if v == xpProtectOwn {
						wantWordLists(x.mounted.own(ctx)) // the passphrase meter's
					}
				}, app.EventScope(v)),
			app.Span().Class("xp-check-text").Body(
				app.Span().Text(label),
				app.Span().Class("field-hint").Text(hint),
			),
		)
	}
	var body app.UI
	switch x.protect {
	case xpProtectGenerated:
		body = app.Div().Class("xp-protect").Body(
			app.P().Class("field-hint").Text(i18n.T("ui.export.pass.hint")),
			app.P().ID("xp-passphrase").Class("xp-pass").Aria("label", i18n.T("ui.export.pass.label")).Text(x.generated),
			app.Div().Class("actions").Body(
				app.Button().ID("xp-pass-copy").Type("button").Class("btn btn-secondary btn-small").
					Text(i18n.T("ui.export.pass.copy")).
					OnClick(func(ctx app.Context, e app.Event) {
						p := x.generated
						ctx = x.mounted.own(ctx)
						ctx.Async(func() {
							err := xpCopy(p)
							ctx.Dispatch(func(ctx app.Context) { x.copied = err == nil })
						})
					}),
				app.Button().ID("xp-pass-new").Type("button").Class("btn btn-secondary btn-small").Disabled(x.busy).
					Text(i18n.T("ui.export.pass.new")).
					OnClick(func(ctx app.Context, e app.Event) { x.generated = exportdata.GeneratePassphrase(); x.copied = false }),
			),
			app.If(x.copied, func() app.UI { return app.P().Class("muted").Role("status").Text(i18n.T("ui.export.pass.copied")) }),
		)
	case xpProtectOwn:
		score, reason := vault.Strength(x.own)
		body = app.Div().Class("xp-protect").Body(
			field("xp-own", i18n.T("ui.export.own.label"), i18n.T("ui.export.own.hint"), "",
				app.Input().Type("text").AutoComplete(false).Spellcheck(false).Value(x.own).Disabled(x.busy).
					OnInput(func(ctx app.Context, e app.Event) { x.own = ctx.JSSrc().Get("value").String() })),
			app.Div().Class("meter s"+xpDigit(score)).Aria("hidden", "true").Body(app.Span(), app.Span(), app.Span(), app.Span()),
			app.P().Class("field-hint").Aria("live", "polite").Text(i18n.T(reason)),
			app.If(x.own != "" && score < minPassScore && reason != vault.StrengthChecking, func() app.UI {
				return app.P().ID("xp-own-weak").Class("field-error").Text(i18n.T("setup.err.weak"))
			}),
		)
	default:
		body = app.Div().Class("xp-protect").Body(
			app.P().Class("field-hint").Text(i18n.T("ui.export.key.hint")),
			app.Label().For("xp-key").Body(
				app.Span().Text(i18n.T("ui.export.key.label")),
				app.Textarea().ID("xp-key").Class("xp-mono").Spellcheck(false).Disabled(x.busy).
					Placeholder("-----BEGIN PGP PUBLIC KEY BLOCK-----").Text(x.keyText).
					OnChange(func(ctx app.Context, e app.Event) { x.checkKey(ctx, ctx.JSSrc().Get("value").String()) }),
			),
			app.Label().For("xp-keyfile").Class("xp-file").Body(
				app.Span().Text(i18n.T("ui.export.key.file")),
				app.Input().Type("file").ID("xp-keyfile").Accept(".asc,.gpg,.pgp,.pub,.key,.txt,application/pgp-keys").
					Disabled(x.busy).OnChange(x.loadKey),
			),
			app.If(x.keyErr != "", func() app.UI {
				return app.P().ID("xp-key-err").Class("field-error").Role("alert").Text(x.keyErr)
			}),
			app.If(x.keyFpr != "", func() app.UI {
				return app.P().ID("xp-key-ok").Class("xp-key-ok").Role("status").Body(
					app.Span().Text(i18n.T("ui.export.key.ok")),
					app.Code().Class("xp-fpr").Text(xpGroup(x.keyFpr, 4)),
				)
			}),
		)
	}
	return app.Div().Body(
		app.FieldSet().Class("xp-checks").Body(
			app.Legend().Class("sr-only").Text(i18n.T("ui.export.step.protect")),
			radio(xpProtectGenerated, i18n.T("ui.export.protect.generated"), i18n.T("ui.export.protect.generated.hint")),
			radio(xpProtectOwn, i18n.T("ui.export.protect.own"), i18n.T("ui.export.protect.own.hint")),
			radio(xpProtectKey, i18n.T("ui.export.protect.key"), i18n.T("ui.export.protect.key.hint")),
		),
		body,
	)
}

func (x *Export) renderDone() app.UI {
	return app.Div().ID("export-done").Class("xp-done").Body(
		okBanner(i18n.T("ui.export.done", x.name, xpSize(x.size))),
		app.If(x.passShown != "", func() app.UI {
			return app.Div().Body(
				app.P().Text(i18n.T("ui.export.done.pass")),
				app.P().Class("xp-pass xp-small").Text(x.passShown),
			)
		}),
		app.Div().Class("actions").Body(
			app.A().ID("export-again").Class("btn btn-secondary").Href(x.url).Attr("download", x.name).
				Text(i18n.T("ui.export.again")),
		),
	)
}

// xpHowToOpen explains, in plain words, how a provider opens the file.
func xpHowToOpen(name string, key bool) app.UI {
	if name == "" {
		name = strings.TrimSuffix(exportdata.FileName(time.Now()), ".zip") + ".pgp"
	}
	secret := i18n.T("ui.open.pass")
	if key {
		secret = i18n.T("ui.open.key")
	}
	return app.Section().ID("how-to-open").Class("card xp-step xp-how").Body(
		app.H2().Text(i18n.T("ui.open.title")),
		app.P().Text(i18n.T("ui.open.intro")),
		app.H3().Text(i18n.T("ui.open.gpg.title")),
		app.P().Text(i18n.T("ui.open.gpg", secret)),
		app.Pre().Class("xp-cmd").Body(app.Code().Text("gpg --decrypt "+name+" > export.zip")),
		app.P().Text(i18n.T("ui.open.inside")),
		app.H3().Text(i18n.T("ui.open.app.title")),
		app.P().Body(
			app.Text(i18n.T("ui.open.app")+" "),
			app.A().Href(PathView).Text(i18n.T("more.view")),
		),
	)
}

// xpPercent formats progress as a whole percentage.
func xpPercent(done, total int64) string {
	if total <= 0 {
		return i18n.T("ui.xp.percent", 0)
	}
	return i18n.T("ui.xp.percent", int(done*100/total))
}

// xpGroup splits s into groups of n characters (a fingerprint, for reading).
func xpGroup(s string, n int) string {
	var b strings.Builder
	for i := 0; i < len(s); i += n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+n, len(s))])
	}
	return b.String()
}

func xpDigit(n int) string { return string(rune('0' + n)) }
