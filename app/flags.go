package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/record"
	"backpack/internal/vault"
)

func init() { addPage(PathFlags, false, func() app.Composer { return &FlagsPage{} }) }

// flagStatuses are the states of an error flag, in the order people meet them.
var flagStatuses = []string{"open", "requested", "corrected", "declined"}

// FlagsPage lists the entries flagged as possibly wrong and writes a formal
// request to amend them, addressed to a provider, ready to print.
type FlagsPage struct {
	app.Compo
	mounted // the page's own context, for what its buttons' work reports (see mounted)

	ok       bool
	profile  record.Profile
	flagged  []record.Entry
	careTeam []record.Entry
	include  map[string]bool

	provider string
	letter   *record.Amendment
	working  bool
	msg, err string
	provErr  string
	pickErr  string
	draft    formDraft // the provider typed (drafts.go)
}

func (p *FlagsPage) OnNav(ctx app.Context) {
	if !requireSession(ctx) {
		return
	}
	p.load(true)
	if typed := p.draft.open("flags:"+p.profile.ID, map[string]string{"provider": p.provider}); typed != nil {
		p.provider = typed["provider"]
	}
}

// OnDismount keeps the provider typed as a draft.
func (p *FlagsPage) OnDismount() { p.draft.left() }

// load reads the flagged entries; fresh picks the open ones for the request.
func (p *FlagsPage) load(fresh bool) {
	s := current()
	prof, ok := currentProfile()
	p.ok = ok && s != nil
	if !p.ok {
		return
	}
	p.profile = prof
	p.flagged = s.Book().Flagged(prof.ID)
	p.careTeam = s.Book().Summary(prof.ID).CareTeam
	if fresh || p.include == nil {
		p.include = map[string]bool{}
		for _, e := range p.flagged {
			if flagOpen(e) {
				p.include[e.ID] = true
			}
		}
	}
}

func flagOpen(e record.Entry) bool {
	return e.Flag != nil && (e.Flag.Status == "" || e.Flag.Status == "open")
}

func flagStatus(e record.Entry) string {
	if e.Flag == nil || e.Flag.Status == "" {
		return "open"
	}
	return e.Flag.Status
}

// chosen are the flagged entries picked for the request, in list order.
func (p *FlagsPage) chosen() []record.Entry {
	var out []record.Entry
	for _, e := range p.flagged {
		if p.include[e.ID] {
			out = append(out, e)
		}
	}
	return out
}

// write builds the amendment request from the picks.
func (p *FlagsPage) write(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.compose() {
		p.own(ctx).Defer(func(ctx app.Context) { focusElem("letter") })
	}
}

// compose checks the form and builds the letter; false when something is missing.
func (p *FlagsPage) compose() bool {
	p.provErr, p.pickErr, p.msg, p.err = "", "", "", ""
	p.provider = strings.TrimSpace(p.provider)
	entries := p.chosen()
	if p.provider == "" {
		p.provErr = i18n.T("flags.provider.required")
	}
	if len(entries) == 0 {
		p.pickErr = i18n.T("flags.pick.required")
	}
	if p.provErr != "" || p.pickErr != "" {
		return false
	}
	a := record.AmendmentRequest(p.profile, entries, p.provider, i18n.Current())
	p.letter = &a
	p.draft.saved()
	return true
}

// setStatus changes the status of flags (keeping the note).
func (p *FlagsPage) setStatus(ctx app.Context, ids []string, status string) {
	ctx = p.own(ctx) // what the work reports outlives the element it came from
	s := current()
	if s == nil || p.working {
		return
	}
	type change struct {
		id string
		f  record.ErrorFlag
	}
	var changes []change
	for _, id := range ids {
		if e, ok := s.Book().Get(id); ok && e.Flag != nil {
			f := *e.Flag
			f.Status = status
			changes = append(changes, change{id, f})
		}
	}
	p.working, p.msg, p.err = true, "", ""
	ctx.Async(func() {
		var err error
		for _, c := range changes {
			f := c.f
			if err = s.SetFlag(ctx, c.id, &f); err != nil {
				break
			}
		}
		ctx.Dispatch(func(ctx app.Context) {
			p.working = false
			if err != nil {
				p.err = errorText(vault.MessageKey(err))
			} else {
				p.msg = i18n.T("flags.status.saved")
			}
			p.load(false)
		})
	})
}

func (p *FlagsPage) Render() app.UI {
	if !p.ok {
		return &Shell{Title: i18n.T("flags.title"), Content: []app.UI{noProfile()}}
	}
	workClass := "flags-work"
	if p.letter != nil {
		workClass += " no-print"
	}
	return &Shell{Title: i18n.T("flags.title"), Content: []app.UI{
		app.Div().Class(workClass).Body(
			app.P().Class("muted").Text(i18n.T("flags.intro")),
			app.Div().Aria("live", "polite").Body(
				app.If(p.msg != "", func() app.UI { return okBanner(p.msg) }),
			),
			app.If(p.err != "", func() app.UI { return errorBanner(p.err) }),
			app.If(len(p.flagged) == 0, func() app.UI {
				return app.Div().ID("flags-empty").Class("card empty").Body(
					app.P().Text(i18n.T("flags.empty")),
					app.A().Class("btn btn-secondary").Href(PathTimeline).Text(i18n.T("flags.empty.timeline")),
				)
			}).Else(func() app.UI { return p.renderWork() }),
		),
		app.If(p.letter != nil, func() app.UI { return p.renderLetter(*p.letter) }),
	}}
}

func (p *FlagsPage) renderWork() app.UI {
	return app.Form().ID("flags-form").OnSubmit(p.write).Body(
		app.FieldSet().Class("flags-pick").Body(
			app.Legend().Text(i18n.T("flags.pick")),
			app.If(p.pickErr != "", func() app.UI {
				return app.P().ID("pick-err").Class("field-error").Role("alert").Text(p.pickErr)
			}),
			app.Ul().ID("flagged").Class("list").Body(app.Range(p.flagged).Slice(func(i int) app.UI {
				return p.renderFlag(p.flagged[i])
			})),
		),
		app.H2().Text(i18n.T("flags.provider")),
		app.If(len(p.careTeam) > 0, func() app.UI {
			return app.Label().For("provider-pick").Body(
				app.Span().Text(i18n.T("flags.provider.pick")),
				app.Select().ID("provider-pick").
					OnChange(func(ctx app.Context, e app.Event) {
						if v := ctx.JSSrc().Get("value").String(); v != "" {
							p.provider = v
							p.provErr = ""
						}
					}).
					Body(
						app.Option().Value("").Text(i18n.T("flags.provider.choose")),
						app.Range(p.careTeam).Slice(func(i int) app.UI {
							c := p.careTeam[i]
							name := titleOf(c)
							if c.Who != "" && c.Who != name {
								name += ", " + c.Who
							}
							return app.Option().Value(name).Selected(name == p.provider).Text(name)
						}),
					),
			)
		}),
		field("provider", i18n.T("flags.provider.name"), i18n.T("flags.provider.hint"), p.provErr,
			app.Input().Type("text").Value(p.provider).AutoComplete(false).MaxLength(300).
				OnInput(func(ctx app.Context, e app.Event) {
					p.provider = ctx.JSSrc().Get("value").String()
					p.draft.changed(p.profile.ID, map[string]string{"provider": p.provider})
				})),
		app.Div().Class("slot").Body(p.draft.banner("flags-draft", func(v map[string]string) { p.provider = v["provider"] })),
		app.Div().Class("actions").Body(
			app.Button().ID("write").Type("submit").Class("btn").Text(i18n.T("flags.write")),
		),
	)
}

func (p *FlagsPage) renderFlag(e record.Entry) app.UI {
	st := flagStatus(e)
	note := ""
	if e.Flag != nil {
		note = e.Flag.Note
	}
	cb := "inc-" + e.ID
	sel := "st-" + e.ID
	return app.Li().Class("item flag-item").DataSet("entry", e.ID).Body(
		app.Label().Class("check").For(cb).Body(
			app.Input().ID(cb).Type("checkbox").Class("flag-include").Checked(p.include[e.ID]).
				OnChange(func(ctx app.Context, ev app.Event) {
					p.include[e.ID] = ctx.JSSrc().Get("checked").Bool()
					p.pickErr = ""
				}, app.EventScope(e.ID)),
			app.Span().Text(i18n.T("flags.include")),
		),
		app.Span().Class("badge "+statusClass(st)).Text(i18n.T("flags.status."+st)),
		app.Span().Class("item-title").Body(app.A().Href(PathEntry+e.ID).Text(titleOf(e))),
		app.Span().Class("item-meta").Text(metaLine(i18n.T("record.kind."+string(e.Kind)), sumDate(e), e.ResultText())),
		app.P().Class("flag-note").Body(
			app.Span().Class("flag-note-label").Text(i18n.T("flags.note")+" "),
			app.Span().Text(note),
		),
		app.Label().Class("flag-status").For(sel).Body(
			app.Span().Text(i18n.T("flags.status")),
			app.Select().ID(sel).Disabled(p.working).
				OnChange(func(ctx app.Context, ev app.Event) {
					p.setStatus(ctx, []string{e.ID}, ctx.JSSrc().Get("value").String())
				}, app.EventScope(e.ID)).
				Body(app.Range(flagStatuses).Slice(func(i int) app.UI {
					s := flagStatuses[i]
					return app.Option().Value(s).Selected(s == st).Text(i18n.T("flags.status." + s))
				})),
		),
	)
}

func statusClass(st string) string {
	switch st {
	case "open":
		return "warn"
	case "corrected":
		return "ok"
	case "declined":
		return "danger"
	}
	return ""
}

// renderLetter is the formal request, as it prints.
func (p *FlagsPage) renderLetter(a record.Amendment) app.UI {
	return app.Div().Class("letter-wrap").Body(
		app.P().Class("muted no-print").Text(i18n.T("flags.rights")),
		app.Div().Class("actions no-print").Body(
			app.Button().ID("letter-print").Class("btn").Text(i18n.T("flags.print")).
				OnClick(func(ctx app.Context, e app.Event) { printPage() }),
			app.Button().ID("letter-text").Class("btn btn-secondary").Text(i18n.T("flags.savetext")).
				OnClick(func(ctx app.Context, e app.Event) {
					// Read the letter now: handlers outlive the render that made them.
					if p.letter == nil {
						return
					}
					text := p.letter.Text()
					ctx.Async(func() { download(strings.NewReader(text), i18n.T("flags.filename"), "text/plain") })
				}),
			app.Button().ID("letter-requested").Class("btn btn-secondary").Disabled(p.working).
				Text(i18n.T("flags.markrequested")).
				OnClick(func(ctx app.Context, e app.Event) {
					if p.letter != nil {
						p.setStatus(ctx, letterIDs(*p.letter), "requested")
					}
				}),
			app.Button().ID("letter-close").Class("btn btn-secondary").Text(i18n.T("flags.edit")).
				OnClick(func(ctx app.Context, e app.Event) { p.letter = nil }),
		),
		app.Article().ID("letter").Class("letter card").TabIndex(-1).Lang(string(a.Lang)).Body(
			app.P().Class("letter-date").Text(a.Labels.Date+": "+longDate(a.Date, a.Lang)),
			app.Div().Class("letter-parties").Body(
				app.P().Body(app.Strong().Text(a.Labels.Provider+": "), app.Text(a.Provider)),
				app.P().Body(app.Strong().Text(a.Labels.Patient+": "), app.Text(a.Patient)),
				app.If(a.BirthDate != "", func() app.UI {
					return app.P().Body(app.Strong().Text(a.Labels.BirthDate+": "), app.Text(a.BirthDate))
				}),
			),
			app.H2().Class("letter-title").Text(a.Title),
			app.P().Text(a.Intro),
			app.Ol().Class("letter-items").Body(app.Range(a.Items).Slice(func(i int) app.UI {
				it := a.Items[i]
				return app.Li().Class("letter-item").Body(
					app.H3().Text(a.Labels.Item+" "+strconv.Itoa(i+1)+": "+metaLine(it.Kind, it.Title)),
					app.Dl().Class("facts").Body(
						app.If(it.Date != "", func() app.UI {
							return app.Div().Class("fact").Body(app.Dt().Text(a.Labels.EntryDate), app.Dd().Text(it.Date))
						}),
						app.Div().Class("fact").Body(app.Dt().Text(a.Labels.Says), app.Dd().Text(it.Says)),
						app.Div().Class("fact").Body(app.Dt().Text(a.Labels.Wrong), app.Dd().Class("letter-wrong").Text(it.Wrong)),
						app.If(it.Source != "", func() app.UI {
							return app.Div().Class("fact").Body(app.Dt().Text(a.Labels.Source), app.Dd().Text(it.Source))
						}),
					),
				)
			})),
			app.P().Text(a.Closing),
			app.Div().Class("letter-sign").Body(
				app.P().Class("sign-line").Body(
					app.Span().Text(a.Labels.Signature+":"),
					app.Span().Class("line").Aria("hidden", "true"),
				),
				app.P().Class("sign-line").Body(
					app.Span().Text(a.Labels.Date+":"),
					app.Span().Class("line short").Aria("hidden", "true"),
				),
				app.P().Class("sign-name").Text(a.Patient),
			),
		),
	)
}

// letterIDs are the entries a letter asks to amend.
func letterIDs(a record.Amendment) []string {
	ids := make([]string, len(a.Items))
	for i, it := range a.Items {
		ids[i] = it.EntryID
	}
	return ids
}

// longDate writes a date in words: "March 4, 2025" / "4 de marzo de 2025".
func longDate(t time.Time, lang i18n.Lang) string {
	month := i18n.In(lang, "flags.month."+strconv.Itoa(int(t.Month())))
	return i18n.In(lang, "flags.date", month, t.Day(), t.Year())
}
