package ui

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/exportdata"
	"backpack/internal/i18n"
	"backpack/internal/record"
	"backpack/internal/share"
)

func init() { addPage(PathView, false, func() app.Composer { return &View{} }) }

// View is the provider view: it opens an export file, or a share link's
// record, read-only and in memory. It needs no vault and writes nothing to
// the browser's storage; closing the page forgets everything.
type View struct {
	app.Compo
	mounted // the page's own context, for what its buttons' work reports (see mounted)

	opener xpOpener
	link   bool   // opened from a share link (#shlink:/…)
	hash   string // the fragment last opened
	label  string // the link's label
	exp    time.Time

	// A health link, kept in memory only: the link (for "Check for
	// updates"), the passcode typed, another server the person agreed to
	// ask, and what the files said.
	shl       share.Link
	needPass  bool
	typed     string // the passcode field
	passcode  string
	elsewhere string // host of another server
	agreed    bool   // the person agreed to ask it
	living    bool
	updated   time.Time
	notes     []string

	busy     bool
	read     int64
	size     int64
	err      string
	archive  *exportdata.Archive
	mem      exportdata.MemFiles
	expanded map[string]bool
}

func (v *View) OnNav(ctx app.Context) {
	if v.expanded == nil {
		v.opener = xpOpener{prefix: "vw", page: &v.mounted}
		v.expanded = map[string]bool{}
	}
	if _, hash := xpLocation(); strings.HasPrefix(hash, "#shlink:/") && hash != v.hash && !v.busy {
		v.hash = hash
		// Read once, the key leaves the address bar and the history: no
		// one looking at the screen or the history can copy it from there.
		xpDropFragment()
		v.archive, v.mem = nil, nil
		v.openLink(ctx, hash[1:])
	}
}

// openLink reads a health link: Backpack's own (a direct file or a manifest
// link on this server) or any SMART Health Links app's. A link kept on
// another server is opened only once the person agrees; a passcode link
// asks for the passcode first.
func (v *View) openLink(ctx app.Context, text string) {
	v.link, v.err, v.needPass, v.elsewhere, v.agreed, v.passcode, v.notes = true, "", false, "", false, "", nil
	link, err := share.ParseLink(text)
	if err == nil {
		err = link.Openable(time.Now())
	}
	v.label, v.exp = link.Label, link.Exp
	if err != nil {
		v.err = xpShareErrorText(err)
		return
	}
	v.shl, v.living = link, link.Has(share.FlagLongTerm)
	if v.elsewhere = shlElsewhere(link); v.elsewhere != "" {
		return
	}
	v.ask(ctx)
}

// shlElsewhere is the host of a link's server when it is not this one.
func shlElsewhere(l share.Link) string {
	origin, _ := xpLocation()
	return shlHostElsewhere(l.URL, origin)
}

// ask asks for the passcode or fetches.
func (v *View) ask(ctx app.Context) {
	v.agreed = true
	if v.shl.Has(share.FlagPasscode) && v.passcode == "" {
		v.needPass = true
		return
	}
	v.fetch(ctx)
}

// fetch resolves the link (manifest, files) and decrypts it.
func (v *View) fetch(ctx app.Context) {
	ctx = v.own(ctx) // what the work reports outlives the element it came from
	v.busy, v.err = true, ""
	link, pass := v.shl, v.passcode
	ctx.Async(func() {
		var a *exportdata.Archive
		var mem exportdata.MemFiles
		var notes []string
		var updated time.Time
		files, err := share.Open(ctx, shlDoer, link, i18n.T("shl.view.recipient"), pass)
		if err == nil {
			for _, f := range files {
				if f.LastUpdated.After(updated) {
					updated = f.LastUpdated
				}
			}
			a, mem, notes, err = shlArchive(ctx, link.Key, files, time.Now())
		}
		ctx.Dispatch(func(ctx app.Context) {
			v.busy = false
			var pe *share.PasscodeError
			if err != nil {
				v.err = xpShareErrorText(err)
				v.needPass = errors.As(err, &pe) && pe.Remaining > 0
				if v.needPass {
					v.passcode, v.typed = "", ""
				}
				return
			}
			v.needPass = false
			v.archive, v.mem, v.notes, v.updated = a, mem, notes, updated
		})
	})
}

func (v *View) open(ctx app.Context, e app.Event) {
	e.PreventDefault()
	ctx = v.own(ctx) // what the work reports outlives the element it came from
	if v.busy || !v.opener.ready() {
		return
	}
	v.busy, v.err, v.read, v.size = true, "", 0, v.opener.size
	op := v.opener // as it is now: the form is disabled meanwhile
	ctx.Async(func() {
		last := int64(-1)
		o, err := op.open(ctx, func(n int64) {
			if step := n * 100 / max(v.size, 1); step != last {
				last = step
				ctx.Dispatch(func(ctx app.Context) { v.read = n })
			}
		}, nil)
		ctx.Dispatch(func(ctx app.Context) {
			v.busy = false
			if err != nil {
				v.err = errorText(xpOpenErrorKey(err))
				return
			}
			v.archive, v.mem = o.Archive, o.Files
		})
	})
}

// submitPass opens a passcode link with the passcode typed.
func (v *View) submitPass(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if v.busy {
		return
	}
	v.passcode = strings.TrimSpace(v.typed)
	if v.passcode == "" {
		v.err = i18n.T("shl.err.passcode.none")
		return
	}
	v.fetch(ctx)
}

// refresh fetches a link kept up to date again.
func (v *View) refresh(ctx app.Context, e app.Event) {
	if v.busy || v.shl.URL == "" {
		return
	}
	v.fetch(ctx)
}

// close forgets the opened record.
func (v *View) close(ctx app.Context, e app.Event) {
	v.archive, v.mem, v.err = nil, nil, ""
	v.shl, v.passcode, v.typed, v.notes = share.Link{}, "", "", nil
	v.expanded = map[string]bool{}
	if v.link {
		v.link = false
		reloadTo(PathView) // drop the fragment with its key
	}
}

// saveFile downloads the open archive's file with id id.
func (v *View) saveFile(id string) {
	if v.archive == nil {
		return
	}
	i := slices.IndexFunc(v.archive.Data.Files, func(f record.FileInfo) bool { return f.ID == id })
	b, ok := v.mem[id]
	if i < 0 || !ok {
		return
	}
	f := v.archive.Data.Files[i]
	typ := f.Type
	if typ == "" {
		typ = "application/octet-stream"
	}
	download(bytes.NewReader(b), f.Name, typ)
}

func (v *View) saveSummary(ctx app.Context, e app.Event) {
	if v.archive == nil {
		return
	}
	ctx = v.own(ctx) // what the work reports outlives the element it came from
	d, lang := v.archive.Data, i18n.Current()
	ctx.Async(func() {
		u, err := xpSummary(ctx, d, lang) // written in the worker module
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				v.err = errorText(xpOpenErrorKey(err))
				return
			}
			xpSave(u, exportdata.PathSummary)
			time.AfterFunc(time.Minute, func() { revokeURL(u) })
		})
	})
}

func (v *View) Render() app.UI {
	title := i18n.T("ui.view.title")
	if v.link {
		title = i18n.T("share.view.title")
	}
	return &Shell{Title: title, Wide: v.archive != nil, Content: []app.UI{
		app.If(v.archive == nil && !v.link, func() app.UI {
			return app.Div().Body(
				app.P().Class("xp-lead").Text(i18n.T("ui.view.intro")),
				app.Form().ID("view-form").Class("card xp-step").OnSubmit(v.open).Body(
					v.opener.render(v.busy, func() { v.err = "" }),
					app.If(v.err != "", func() app.UI { return errorBanner(v.err) }),
					app.Div().Class("actions").Body(
						app.Button().ID("view-open").Type("submit").Class("btn").Disabled(v.busy || !v.opener.ready()).
							Text(i18n.T("ui.view.open")),
					),
					app.If(v.busy, func() app.UI {
						return app.Div().Class("xp-progress").Body(
							app.Progress().Max(max(v.size, 1)).Value(v.read).Aria("label", i18n.T("ui.view.opening")),
							app.P().Class("muted").Aria("live", "polite").Text(xpPercent(v.read, v.size)),
						)
					}),
				),
				app.P().Class("muted").Text(i18n.T("ui.view.private")),
			)
		}),
		app.If(v.link && v.archive == nil, func() app.UI {
			return app.Div().Class("card xp-step").Body(
				app.If(v.label != "", func() app.UI { return app.P().Class("xp-shared-label").Text(v.label) }),
				// Shown until the fetch it started ends: go-app drops a
				// dispatch whose source element is gone.
				app.If(v.elsewhere != "" && (!v.agreed || v.busy), func() app.UI {
					return app.Div().ID("shl-elsewhere").Body(
						app.P().Text(i18n.T("shl.view.elsewhere", v.elsewhere)),
						app.Div().Class("actions").Body(
							app.Button().ID("shl-elsewhere-ok").Type("button").Class("btn").Disabled(v.busy).Text(i18n.T("shl.view.elsewhere.ok", v.elsewhere)).
								OnClick(func(ctx app.Context, e app.Event) { v.ask(ctx) }),
						),
					)
				}),
				// The form stays while the passcode is checked: go-app drops a
				// dispatch whose source element is gone.
				app.If(v.needPass, func() app.UI {
					return app.Form().ID("shl-pass-form").OnSubmit(v.submitPass).Body(
						app.P().Text(i18n.T("shl.view.passcode.lead")),
						field("shl-pass", i18n.T("shl.passcode"), "", "",
							app.Input().Type("password").Attr("autocomplete", "off").MaxLength(share.MaxPasscodeLen).Value(v.typed).
								OnInput(func(ctx app.Context, e app.Event) { v.typed = ctx.JSSrc().Get("value").String() })),
						app.If(v.err != "", func() app.UI { return errorBanner(v.err) }),
						app.Div().Class("actions").Body(
							app.Button().ID("shl-pass-open").Type("submit").Class("btn").Disabled(v.busy).Text(i18n.T("shl.view.open")),
						),
					)
				}),
				app.If(v.busy, func() app.UI {
					return app.Div().Class("xp-progress").Body(
						app.Progress().Aria("label", i18n.T("share.view.opening")),
						app.P().Class("muted").Aria("live", "polite").Text(i18n.T("share.view.opening")),
					)
				}),
				app.If(v.err != "" && !v.needPass, func() app.UI {
					return app.Div().Body(
						errorBanner(v.err),
						app.Div().Class("actions").Body(
							app.A().Class("btn btn-secondary").Href(PathView).Text(i18n.T("ui.view.file.instead")),
						),
					)
				}),
			)
		}),
		app.If(v.archive != nil, func() app.UI { return v.renderArchive() }),
	}}
}

func (v *View) renderArchive() app.UI {
	a := v.archive
	var made string
	if t, err := time.Parse("2006-01-02", strings.TrimSuffix(strings.TrimPrefix(a.Name, "backpack-export-"), ".zip")); err == nil {
		made = t.Format("2006-01-02")
	}
	return app.Div().Body(
		app.Div().ID("view-head").Class("banner ok view-head").Role("status").Body(
			app.Span().Text(i18n.T("ui.view.readonly")),
		),
		app.Dl().Class("xp-counts-list xp-meta").Body(
			app.If(v.link && v.label != "", func() app.UI {
				return app.Div().Class("xp-fact").Body(app.Dt().Text(i18n.T("ui.view.label")), app.Dd().Text(v.label))
			}),
			app.If(v.link && !v.exp.IsZero(), func() app.UI {
				return app.Div().Class("xp-fact").Body(app.Dt().Text(i18n.T("ui.view.expires")), app.Dd().Text(xpWhen(v.exp)))
			}),
			app.If(made != "", func() app.UI {
				return app.Div().Class("xp-fact").Body(app.Dt().Text(i18n.T("ui.view.made")), app.Dd().Text(made))
			}),
			app.If(a.Partial, func() app.UI {
				return app.Div().Class("xp-fact").Body(app.Dt().Text(i18n.T("ui.view.part")), app.Dd().Text(i18n.T("ui.view.part.yes")))
			}),
		),
		app.If(v.link && v.living, func() app.UI {
			msg := i18n.T("shl.view.living")
			if !v.updated.IsZero() {
				msg += " " + i18n.T("shl.view.updated", xpWhen(v.updated))
			}
			return app.P().ID("shl-living").Class("muted").Text(msg)
		}),
		app.Range(v.notes).Slice(func(i int) app.UI { return app.P().Class("field-hint shl-note").Text(i18n.T(v.notes[i])) }),
		app.Div().Class("actions").Body(
			app.If(v.link && v.living, func() app.UI {
				return app.Button().ID("shl-refresh").Type("button").Class("btn btn-secondary").
					Text(i18n.T("shl.view.refresh")).Disabled(v.busy).OnClick(v.refresh)
			}),
			app.If(a.Summary || len(a.Data.Profiles) > 0, func() app.UI {
				return app.Button().ID("view-summary").Type("button").Class("btn btn-secondary").
					Text(i18n.T("ui.view.summary")).OnClick(v.saveSummary)
			}),
			app.Button().ID("view-print").Type("button").Class("btn btn-secondary").
				Text(i18n.T("ui.view.print")).OnClick(func(ctx app.Context, e app.Event) { printPage() }),
			app.Button().ID("view-close").Type("button").Class("btn btn-secondary").
				Text(i18n.T("ui.view.close")).OnClick(v.close),
		),
		xpArchiveView{
			a:        a,
			expanded: v.expanded,
			toggle:   func(key string) { v.expanded[key] = true },
			save:     v.saveFile,
		}.render(),
	)
}

// xpWhen formats a moment in local time for people.
func xpWhen(t time.Time) string { return t.Local().Format("2006-01-02 15:04") }
