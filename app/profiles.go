package ui

import (
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/record"
	"backpack/internal/vault"
)

func init() { addPage(PathProfiles, false, func() app.Composer { return &Profiles{} }) }

// profileNew is the editing value for a profile being added.
const profileNew = "new"

// Profiles lists the people in the vault (me and family), switches between
// them, and adds, edits and deletes them.
type Profiles struct {
	app.Compo
	mounted // the page's own context, for what its buttons' work reports (see mounted)

	current string // id of the profile being looked at

	editing  string // "", profileNew or a profile id
	name     string
	birth    string
	rel      string
	errName  string
	errBirth string
	errRel   string

	deleting string // profile id waiting for confirmation

	draft formDraft // what is typed in the form (drafts.go)

	busy bool
	err  string
	ok   string
}

func (p *Profiles) OnNav(ctx app.Context) {
	if !requireSession(ctx) {
		return
	}
	p.refresh()
	if n := takeJoinedNotice(); n != "" {
		p.ok = n
	}
	refreshSpacesAsync(ctx)
}

// refresh picks up the current profile and opens the first-profile form
// when there is none.
func (p *Profiles) refresh() {
	p.current = ""
	if cur, ok := currentProfile(); ok {
		p.current = cur.ID
		return
	}
	if p.editing == "" {
		p.startEdit(record.Profile{Relationship: "self"}, profileNew)
	}
}

func (p *Profiles) startEdit(pr record.Profile, id string) {
	p.editing = id
	p.name, p.birth, p.rel = pr.Name, pr.BirthDate, pr.Relationship
	if p.rel == "" {
		p.rel = "other"
	}
	p.errName, p.errBirth, p.errRel, p.err, p.ok = "", "", "", "", ""
	p.deleting = ""
	if typed := p.draft.open("profile:"+id, p.values()); typed != nil {
		p.setValues(typed)
	}
}

// values are the form's values, for its draft.
func (p *Profiles) values() map[string]string {
	return map[string]string{"name": p.name, "birth": p.birth, "rel": p.rel}
}

func (p *Profiles) setValues(v map[string]string) {
	p.name, p.birth = v["name"], v["birth"]
	if v["rel"] != "" {
		p.rel = v["rel"]
	}
}

// OnDismount keeps what was typed in the form as a draft.
func (p *Profiles) OnDismount() { p.draft.left() }

// hasSelf reports whether another profile than except is "self".
func hasSelf(ps []record.Profile, except string) bool {
	for _, pr := range ps {
		if pr.Relationship == "self" && pr.ID != except {
			return true
		}
	}
	return false
}

func (p *Profiles) save(ctx app.Context, e app.Event) {
	e.PreventDefault()
	ctx = p.own(ctx) // what the work reports outlives the element it came from
	s := current()
	if s == nil {
		lockNow()
		return
	}
	if p.busy {
		return
	}
	p.err, p.errName, p.errBirth, p.errRel = "", "", "", ""
	name, errN := checkProfileName(p.name)
	birth, errB := checkProfileBirth(p.birth, time.Now())
	errR := checkProfileRel(p.rel)
	if errN != nil {
		p.errName = i18n.T(errN.Error())
	}
	if errB != nil {
		p.errBirth = i18n.T(errB.Error())
	}
	if errR != nil {
		p.errRel = i18n.T(errR.Error())
	}
	switch {
	case errN != nil:
		vaultFocus(ctx, "profile-name")
		return
	case errB != nil:
		vaultFocus(ctx, "profile-birth")
		return
	case errR != nil:
		vaultFocus(ctx, "profile-rel")
		return
	}

	var pr record.Profile
	if p.editing != profileNew {
		old, ok := s.Book().Profile(p.editing)
		if !ok {
			p.err = errorText("vault.err.notfound")
			return
		}
		pr = old
	} else {
		pr.ID = record.NewID()
	}
	patient, err := profilePatient(pr, pr.ID, name, birth)
	if err != nil {
		p.err = errorText("")
		return
	}
	pr.Name, pr.BirthDate, pr.Relationship, pr.Patient = name, birth, p.rel, patient
	first := len(s.Book().Profiles()) == 0
	p.busy = true
	ctx.Async(func() {
		saved, err := s.SaveProfile(ctx, pr)
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.err = errorText(vault.MessageKey(err))
				return
			}
			p.editing = ""
			p.draft.saved()
			if first {
				setProfile(saved.ID)
				if pendingSpaceCode() != "" {
					ctx.Navigate(PathSpaceJoin) // a shared profile's link brought them here
					return
				}
				ctx.Navigate(PathSummary)
				return
			}
			p.ok = i18n.T("people.saved")
			p.refresh()
			vaultFocus(ctx, "profile-"+saved.ID)
		})
	})
}

func (p *Profiles) switchTo(ctx app.Context, id string) {
	setProfile(id)
	ctx.Navigate(PathSummary)
}

func (p *Profiles) remove(ctx app.Context, id string) {
	ctx = p.own(ctx) // what the work reports outlives the element it came from
	s := current()
	if s == nil {
		lockNow()
		return
	}
	if p.busy {
		return
	}
	p.busy, p.err, p.ok = true, "", ""
	ctx.Async(func() {
		err := s.DeleteProfile(ctx, id)
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.err = errorText(vault.MessageKey(err))
				return
			}
			p.deleting = ""
			if id == p.current {
				setProfile("")
			}
			p.ok = i18n.T("people.deleted")
			p.refresh()
		})
	})
}

// profileCounts is what deleting a profile removes.
func profileCounts(id string) (entries, files int) {
	s := current()
	if s == nil {
		return 0, 0
	}
	b := s.Book()
	return b.Len(id) + len(b.Trash(id)), len(b.Files(id))
}

func (p *Profiles) Render() app.UI {
	s := current()
	if s == nil {
		return &Shell{Title: i18n.T("people.title")}
	}
	ps := s.Book().Profiles()
	if len(ps) == 0 {
		return &Shell{Title: i18n.T("people.first.title"), Content: []app.UI{
			app.P().Text(i18n.T("people.first.intro")),
			app.If(p.err != "", func() app.UI { return errorBanner(p.err) }),
			p.renderForm(ps, true),
		}}
	}
	return &Shell{Title: i18n.T("people.title"), Content: []app.UI{
		app.P().Class("muted").Text(i18n.T("people.intro")),
		app.Div().Aria("live", "polite").Body(
			app.If(p.ok != "", func() app.UI { return okBanner(p.ok) }),
		),
		app.If(p.err != "", func() app.UI { return errorBanner(p.err) }),
		app.Ul().ID("people").Class("list people").Body(
			app.Range(ps).Slice(func(i int) app.UI { return p.renderPerson(ps, ps[i]) }),
		),
		app.If(p.editing == profileNew, func() app.UI {
			return app.Section().Class("card").Aria("labelledby", "profile-form-title").Body(
				app.H2().ID("profile-form-title").Text(i18n.T("people.add.title")),
				p.renderForm(ps, false),
			)
		}).Else(func() app.UI {
			return app.Div().Class("actions").Body(
				app.Button().ID("profile-add").Class("btn").Disabled(p.busy).Text(i18n.T("people.add")).
					OnClick(func(ctx app.Context, e app.Event) {
						p.startEdit(record.Profile{Relationship: "child"}, profileNew)
						vaultFocus(p.own(ctx), "profile-name") // the button gives way to the form
					}),
			)
		}),
	}}
}

func (p *Profiles) renderPerson(ps []record.Profile, pr record.Profile) app.UI {
	isCurrent := pr.ID == p.current
	entries, files := profileCounts(pr.ID)
	meta := i18n.T("people.rel." + relOrOther(pr.Relationship))
	if pr.BirthDate != "" {
		meta = i18n.T("people.meta.born", meta, pr.BirthDate)
	}
	meta = i18n.T("people.meta.count", meta, i18n.N("people.entries", entries))
	info, shared := sharedInfo(pr.ID)
	can := actionsFor(info, shared)
	sharedText := sharedLineText(info, shared, memberCount(pr.ID))
	if shared && info.Mine && sharedText == "" {
		sharedText = i18n.T("space.people.mine")
	}
	class := "item person"
	if isCurrent {
		class += " current"
	}
	li := app.Li().ID("profile-" + pr.ID).Class(class).TabIndex(-1)
	if isCurrent {
		li = li.Aria("current", "true")
	}
	if p.editing == pr.ID {
		return li.Body(
			app.H2().Class("item-title").Text(i18n.T("people.edit.title")),
			app.Div().Class("person-form").Body(p.renderForm(ps, false)),
		)
	}
	return li.Body(
		app.Span().Class("item-title person-name").Text(pr.Name),
		app.If(isCurrent, func() app.UI {
			return app.Span().Class("badge").Text(i18n.T("people.current"))
		}).Else(func() app.UI { return app.Span() }),
		app.Span().Class("item-meta").Text(meta),
		app.If(sharedText != "", func() app.UI {
			return app.Span().Class("item-meta person-shared").Text(sharedText)
		}),
		app.If(p.deleting == pr.ID, func() app.UI {
			return app.Div().Class("confirm-box person-actions").Role("alertdialog").
				Aria("labelledby", "delete-text-"+pr.ID).Body(
				app.P().ID("delete-text-"+pr.ID).Class("delete-text").
					Text(deleteQuestion(pr, info, shared, entries, files)),
				app.Div().Class("actions").Body(
					app.Button().Class("btn btn-danger delete-yes").Disabled(p.busy).
						Text(i18n.T("people.delete.yes")).
						OnClick(func(ctx app.Context, e app.Event) { p.remove(ctx, pr.ID) }, app.EventScope(pr.ID)),
					app.Button().Class("btn btn-secondary delete-no").Disabled(p.busy).
						Text(i18n.T("people.cancel")).
						OnClick(func(ctx app.Context, e app.Event) { p.deleting = "" }),
				),
			)
		}).Else(func() app.UI {
			return app.Div().Class("actions person-actions").Body(
				app.If(!isCurrent, func() app.UI {
					return app.Button().Class("btn btn-small switch").Disabled(p.busy).
						Aria("label", i18n.T("people.switch.label", pr.Name)).
						Text(i18n.T("people.switch")).
						OnClick(func(ctx app.Context, e app.Event) { p.switchTo(ctx, pr.ID) }, app.EventScope(pr.ID))
				}),
				app.If(can.Share && spaces() != nil, func() app.UI { // no engine in this build: no sharing
					return app.A().Class("btn btn-small btn-secondary share-person").Href(PathPersonShare+pr.ID).
						Aria("label", i18n.T("space.share.label", pr.Name)).Text(i18n.T("space.share"))
				}),
				app.If(can.Edit, func() app.UI {
					return p.editButton(pr)
				}),
				app.If(can.Delete, func() app.UI {
					return p.deleteButton(pr, info.Removed)
				}),
			)
		}),
	)
}

// editButton opens the person's form.
func (p *Profiles) editButton(pr record.Profile) app.UI {
	return app.Button().Class("btn btn-small btn-secondary edit").Disabled(p.busy).
		Aria("label", i18n.T("people.edit.label", pr.Name)).
		Text(i18n.T("people.edit")).
		OnClick(func(ctx app.Context, e app.Event) {
			if s := current(); s != nil {
				if cur, ok := s.Book().Profile(pr.ID); ok {
					p.startEdit(cur, cur.ID)
					vaultFocus(p.own(ctx), "profile-name") // the button gives way to the form
				}
			}
		}, app.EventScope(pr.ID))
}

// deleteButton asks before deleting the person (for a profile no longer
// shared with this vault: removing what this device kept of it).
func (p *Profiles) deleteButton(pr record.Profile, removed bool) app.UI {
	label, text := i18n.T("people.delete.label", pr.Name), i18n.T("people.delete")
	if removed {
		label, text = i18n.T("space.remove.local"), i18n.T("space.remove.local")
	}
	return app.Button().Class("btn btn-small btn-secondary delete").Disabled(p.busy).
		Aria("label", label).Text(text).
		OnClick(func(ctx app.Context, e app.Event) { p.deleting, p.ok = pr.ID, "" }, app.EventScope(pr.ID))
}

// deleteQuestion is what the delete confirmation asks.
func deleteQuestion(pr record.Profile, info spaceInfo, shared bool, entries, files int) string {
	if shared && !info.Mine {
		return i18n.T("space.remove.local.ask", pr.Name)
	}
	return i18n.T("people.delete.confirm", pr.Name, i18n.N("people.entries", entries), i18n.N("people.files", files))
}

func relOrOther(rel string) string {
	if checkProfileRel(rel) != nil {
		return "other"
	}
	return rel
}

// renderForm is the add/edit form. first is the very first profile.
func (p *Profiles) renderForm(ps []record.Profile, first bool) app.UI {
	selfTaken := hasSelf(ps, p.editing)
	saveLabel := i18n.T("people.save")
	if first {
		saveLabel = i18n.T("people.first.save")
	}
	return app.Form().ID("profile-form").Class("vault-form").OnSubmit(p.save).Body(
		app.Div().Class("slot").Body(p.draft.banner("profile-draft", p.setValues)),
		field("profile-name", i18n.T("people.name"), i18n.T("people.name.hint"), p.errName,
			app.Input().Type("text").Value(p.name).Attr("autocomplete", "off").MaxLength(maxProfileName).
				OnInput(func(ctx app.Context, e app.Event) {
					p.name = ctx.JSSrc().Get("value").String()
					p.errName = ""
					p.draft.changed("", p.values())
				})),
		field("profile-birth", i18n.T("people.birth"), i18n.T("people.birth.hint"), p.errBirth,
			app.Input().Type("text").Value(p.birth).Attr("autocomplete", "off").
				Attr("inputmode", "numeric").Placeholder(i18n.T("people.birth.placeholder")).MaxLength(10).
				OnInput(func(ctx app.Context, e app.Event) {
					p.birth = ctx.JSSrc().Get("value").String()
					p.errBirth = ""
					p.draft.changed("", p.values())
				})),
		app.Label().For("profile-rel").Body(
			app.Span().Text(i18n.T("people.rel")),
			app.Select().ID("profile-rel").OnChange(func(ctx app.Context, e app.Event) {
				p.rel = ctx.JSSrc().Get("value").String()
				p.errRel = ""
				p.draft.changed("", p.values())
			}).Body(app.Range(profileRelationships).Slice(func(i int) app.UI {
				r := profileRelationships[i]
				return app.Option().Value(r).Selected(r == p.rel).Disabled(r == "self" && selfTaken).
					Text(i18n.T("people.rel." + r))
			})),
			app.If(p.errRel != "", func() app.UI { return app.Span().Class("field-error").Text(p.errRel) }),
		),
		app.If(p.busy, func() app.UI { return busyBar(i18n.T("people.saving")) }),
		app.Div().Class("actions").Body(
			app.Button().ID("profile-save").Type("submit").Class("btn").Disabled(p.busy).Text(saveLabel),
			app.If(!first, func() app.UI {
				return app.Button().ID("profile-cancel").Type("button").Class("btn btn-secondary").Disabled(p.busy).
					Text(i18n.T("people.cancel")).
					OnClick(func(ctx app.Context, e app.Event) { p.editing = ""; p.draft.saved() })
			}),
		),
	)
}
