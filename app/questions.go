package ui

import (
	"slices"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/record"
)

func init() { addPage(PathQuestions, false, func() app.Composer { return &Questions{} }) }

// recOtherProvider is the provider choice that reveals a free-text name.
const recOtherProvider = "__other__"

// Questions keeps questions for the next visit, grouped by provider (a
// care-team entry of the profile, or a name typed in): add, tick off,
// delete.
type Questions struct {
	app.Compo

	ready     bool
	profile   record.Profile
	team      []record.Entry // care-team entries
	questions []record.Question

	provider  string // chosen provider: care-team id, recOtherProvider or ""
	otherName string
	text      string
	busy      bool
	err       string
	textErr   string
	notice    string
	cctx      app.Context // the page's own context, for async results
	draft     formDraft   // what is typed in the form (drafts.go)
}

func (q *Questions) OnNav(ctx app.Context) {
	q.ready, q.team, q.questions, q.provider, q.otherName, q.text = false, nil, nil, "", "", ""
	q.busy, q.err, q.textErr, q.notice = false, "", "", ""
	if !requireSession(ctx) {
		return
	}
	q.ready, q.cctx = true, ctx
	q.refresh()
	if typed := q.draft.open("question:"+q.profile.ID, q.values()); typed != nil {
		q.setValues(typed)
	}
}

// values are the form's values, for its draft.
func (q *Questions) values() map[string]string {
	return map[string]string{"provider": q.provider, "other": q.otherName, "text": q.text}
}

func (q *Questions) setValues(v map[string]string) {
	q.provider, q.otherName, q.text = v["provider"], v["other"], v["text"]
}

// OnDismount keeps what was typed in the form as a draft.
func (q *Questions) OnDismount() { q.draft.left() }

func (q *Questions) refresh() {
	s := current()
	if s == nil {
		return
	}
	p, ok := currentProfile()
	if !ok {
		return
	}
	q.profile = p
	q.team = s.Book().Summary(p.ID).CareTeam
	q.questions = s.Book().Questions(p.ID)
}

// providerName is how a question's provider reads.
func (q *Questions) providerName(provider string) string {
	if provider == "" {
		return i18n.T("rec.q.general")
	}
	for _, e := range q.team {
		if e.ID == provider {
			return recEntryTitle(e)
		}
	}
	if s := current(); s != nil {
		if e, ok := s.Book().Get(provider); ok && e.Kind == record.KindCareTeam && e.Deleted.IsZero() {
			return recEntryTitle(e)
		}
	}
	return provider
}

// group is the questions for one provider.
type recQGroup struct {
	provider string
	name     string
	items    []record.Question
}

func (q *Questions) groups() []recQGroup {
	var out []recQGroup
	at := map[string]int{}
	for _, x := range q.questions {
		i, ok := at[x.Provider]
		if !ok {
			i = len(out)
			at[x.Provider] = i
			out = append(out, recQGroup{provider: x.Provider, name: q.providerName(x.Provider)})
		}
		out[i].items = append(out[i].items, x)
	}
	return out
}

func (q *Questions) add(ctx app.Context, e app.Event) {
	e.PreventDefault()
	text := strings.TrimSpace(q.text)
	q.textErr, q.err, q.notice = "", "", ""
	if text == "" {
		q.textErr = i18n.T("record.err.required")
		recFocusID(q.cctx, "q-text")
		return
	}
	provider := q.provider
	if provider == recOtherProvider {
		provider = strings.TrimSpace(q.otherName)
	}
	s := current()
	if s == nil || q.busy || q.profile.ID == "" {
		return
	}
	q.busy = true
	ctx = q.cctx
	nq := record.Question{Profile: q.profile.ID, Provider: provider, Text: text}
	ctx.Async(func() {
		_, err := s.SaveQuestion(ctx, nq)
		ctx.Dispatch(func(ctx app.Context) {
			q.busy = false
			if err != nil {
				q.err = errorText("")
				return
			}
			q.text = ""
			q.draft.saved()
			clearInputs(ctx, "q-text") // Attr("value", "") alone leaves the typed text in the box
			q.notice = i18n.T("rec.q.added")
			q.refresh()
			recFocusID(q.cctx, "q-text")
		})
	})
}

func (q *Questions) change(ctx app.Context, do func() error) {
	if q.busy {
		return
	}
	q.busy, q.err, q.notice = true, "", ""
	ctx = q.cctx
	ctx.Async(func() {
		err := do()
		ctx.Dispatch(func(ctx app.Context) {
			q.busy = false
			if err != nil {
				q.err = errorText("")
			}
			q.refresh()
		})
	})
}

func (q *Questions) Render() app.UI {
	title := i18n.T("more.questions")
	if !q.ready {
		return &Shell{Title: title}
	}
	if q.profile.ID == "" {
		return &Shell{Title: title, Content: []app.UI{
			app.P().Text(i18n.T("rec.add.noprofile")),
			app.A().Class("btn").Href(PathProfiles).Text(i18n.T("rec.add.addperson")),
		}}
	}
	groups := q.groups()
	return &Shell{Title: title, Content: []app.UI{
		app.P().Class("muted").Text(i18n.T("rec.q.intro", q.profile.Name)),
		app.Div().Class("slot").Body(app.If(q.err != "", func() app.UI { return errorBanner(q.err) })),
		app.Div().Aria("live", "polite").Body(
			app.If(q.notice != "", func() app.UI { return okBanner(q.notice) }),
		),
		app.If(mayChangeCurrent(), q.renderForm).Else(readOnlyNote),
		app.If(len(groups) == 0, func() app.UI {
			return app.P().ID("q-empty").Class("muted").Text(i18n.T("rec.q.none"))
		}),
		app.Div().ID("questions").Body(app.Range(groups).Slice(func(i int) app.UI {
			g := groups[i]
			return app.Section().Class("q-group").Body(
				app.H2().Text(g.name),
				app.Ul().Class("list q-list").Body(app.Range(g.items).Slice(func(j int) app.UI {
					return q.renderQuestion(g.items[j])
				})),
			)
		})),
		app.If(len(q.team) == 0, func() app.UI {
			return app.P().Class("muted").Body(
				app.Text(i18n.T("rec.q.noteam")+" "),
				app.A().Href(PathAdd+string(record.KindCareTeam)).Text(i18n.T("rec.q.addteam")),
			)
		}),
	}}
}

func (q *Questions) renderForm() app.UI {
	return app.Form().ID("q-form").Class("card").OnSubmit(q.add).Body(
		app.Div().Class("slot").Body(q.draft.banner("q-draft", q.setValues)),
		app.Label().For("q-provider").Body(
			app.Span().Text(i18n.T("rec.q.for")),
			app.Select().ID("q-provider").OnChange(func(ctx app.Context, e app.Event) {
				q.provider = ctx.JSSrc().Get("value").String()
				q.draft.changed(q.profile.ID, q.values())
				if q.provider == recOtherProvider {
					recFocusID(q.cctx, "q-other")
				}
			}).Body(
				app.Option().Value("").Selected(q.provider == "").Text(i18n.T("rec.q.general")),
				app.Range(q.team).Slice(func(i int) app.UI {
					e := q.team[i]
					label := recEntryTitle(e)
					if e.Text != "" {
						label += " — " + recOneLine(e.Text, 40)
					}
					return app.Option().Value(e.ID).Selected(q.provider == e.ID).Text(label)
				}),
				app.Option().Value(recOtherProvider).Selected(q.provider == recOtherProvider).Text(i18n.T("rec.q.other")),
			),
		),
		app.Div().Class("slot").Body(app.If(q.provider == recOtherProvider, func() app.UI {
			return field("q-other", i18n.T("rec.q.othername"), "", "",
				app.Input().Type("text").Value(q.otherName).OnInput(func(ctx app.Context, e app.Event) {
					q.otherName = ctx.JSSrc().Get("value").String()
					q.draft.changed(q.profile.ID, q.values())
				}))
		})),
		recControl("q-text", i18n.T("rec.q.question"), "", q.textErr, true,
			q.textarea()),
		app.Div().Body(
			app.Button().ID("q-add").Type("submit").Class("btn").Disabled(q.busy).Text(i18n.T("rec.q.add")),
		),
	)
}

func (q *Questions) textarea() app.UI {
	ta := app.Textarea().ID("q-text").Rows(2).Attr("value", q.text).Aria("required", "true").
		OnInput(func(ctx app.Context, e app.Event) {
			q.text = ctx.JSSrc().Get("value").String()
			q.textErr = ""
			q.draft.changed(q.profile.ID, q.values())
		})
	if q.textErr != "" {
		ta = ta.Aria("invalid", "true").Aria("describedby", "q-text-err")
	}
	return ta
}

func (q *Questions) renderQuestion(x record.Question) app.UI {
	qid := x.ID
	id := "q-" + x.ID
	cls := "item q-item"
	if x.Done {
		cls += " done"
	}
	return app.Li().Class(cls).DataSet("id", x.ID).Body(
		app.Label().For(id).Class("q-check").Body(
			app.Input().ID(id).Type("checkbox").Checked(x.Done).OnChange(func(ctx app.Context, e app.Event) {
				s := current()
				y, ok := q.question(qid)
				if s == nil || !ok {
					return
				}
				stored := y.Done
				y.Done = ctx.JSSrc().Get("checked").Bool()
				// Show the stored state until the change is saved: the list
				// re-orders, and go-app reuses this checkbox for another row.
				ctx.JSSrc().Set("checked", stored)
				q.change(ctx, func() error { _, err := s.SaveQuestion(ctx, y); return err })
			}, app.EventScope(qid)),
			app.Span().Class("q-text prewrap").Text(x.Text),
		),
		app.Button().Class("btn btn-small btn-secondary").Disabled(q.busy).
			Aria("label", i18n.T("rec.q.delete.for", recOneLine(x.Text, 40))).
			Text(i18n.T("rec.notes.delete")).
			OnClick(func(ctx app.Context, e app.Event) {
				if s := current(); s != nil {
					q.change(ctx, func() error { return s.DeleteQuestion(ctx, qid) })
				}
			}, app.EventScope(qid)),
	)
}

// question is the listed question with id id. Handlers look it up when they
// run: go-app keeps the first handler it rendered for an element, and the
// list re-orders as questions are answered.
func (q *Questions) question(id string) (record.Question, bool) {
	i := slices.IndexFunc(q.questions, func(x record.Question) bool { return x.ID == id })
	if i < 0 {
		return record.Question{}, false
	}
	return q.questions[i], true
}
