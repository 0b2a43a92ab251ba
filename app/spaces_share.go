package ui

import (
	"regexp"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/record"
)

// PathPersonShare + a profile id is the owner's page to share that person
// with someone: the role, the owner's name as the member will see it, the
// link and QR code, and who has it now.
const PathPersonShare = "/people/share/"

var rePersonShare = regexp.MustCompile(`^` + PathPersonShare + `(` + recIdPattern + `)$`)

func init() {
	addPage("^"+PathPersonShare+recIdPattern+"$", true, func() app.Composer { return &PersonShare{} })
}

// PersonShare is the owner's side of a co-managed profile.
type PersonShare struct {
	app.Compo
	mounted

	ready   bool
	id      string // the person's profile id
	name    string // the person's name
	role    spaceRole
	owner   string // the owner's name as the member will see it
	errName string

	link    string // the invitation link shown, "" when none
	qr      qrCode
	expires time.Time
	members []spaceMember
	confirm string // the member whose removal is being confirmed

	busy   string // "share", "remove"
	err    string
	notice string
}

func (p *PersonShare) OnNav(ctx app.Context) {
	p.ready, p.err, p.notice, p.link, p.qr, p.confirm, p.members = false, "", "", "", qrCode{}, "", nil
	if !requireSession(ctx) {
		return
	}
	p.id = recPathID(rePersonShare, ctx.Page().URL().Path)
	s := current()
	pr, ok := s.Book().Profile(p.id)
	if !ok || !may(p.id).Share || spaces() == nil {
		ctx.Navigate(PathProfiles)
		return
	}
	p.ready, p.name = true, pr.Name
	if p.role == "" {
		p.role = roleView
	}
	if p.owner == "" {
		p.owner = selfName(s.Book().Profiles())
	}
	p.listMembers(ctx)
}

// selfName is the name of the "self" profile, the owner's name the member
// most likely knows.
func selfName(ps []record.Profile) string {
	for _, pr := range ps {
		if pr.Relationship == "self" {
			return pr.Name
		}
	}
	return ""
}

func (p *PersonShare) listMembers(ctx app.Context) {
	b, s := spaces(), current()
	if b == nil || s == nil || engine() == nil {
		return
	}
	ctx = p.own(ctx)
	id := p.id
	ctx.Async(func() {
		ms, err := b.Members(ctx, s, id)
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.err = spaceErrorText(err)
				return
			}
			p.members = ms
			setMemberCount(id, len(ms))
		})
	})
}

func (p *PersonShare) makeLink(ctx app.Context, e app.Event) {
	e.PreventDefault()
	ctx = p.own(ctx)
	b, s := spaces(), current()
	if s == nil {
		lockNow()
		return
	}
	if b == nil || p.busy != "" {
		return
	}
	owner, err := checkProfileName(p.owner)
	if err != nil {
		p.errName = i18n.T("space.err.owner")
		vaultFocus(ctx, "share-owner")
		return
	}
	p.busy, p.err, p.notice, p.errName = "share", "", "", ""
	id, role := p.id, p.role
	ctx.Async(func() {
		code, expires, err := b.Share(ctx, s, id, role, owner)
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = ""
			if err != nil {
				p.err = spaceErrorText(err)
				return
			}
			link := spaceLink(code)
			p.link, p.qr, p.expires = link, qrCode{text: link}, expires
			drawQRLater(p.own(ctx), link, i18n.T("space.qr"), func(q qrCode) {
				if p.link == q.text {
					p.qr = q
				}
			})
			vaultFocus(ctx, "share-link")
			refreshSpacesAsync(ctx)
		})
	})
}

// spaceLink is the address the member opens: the join page with the code
// in the #fragment, which never reaches a server.
func spaceLink(code string) string {
	origin, _ := xpLocation()
	return origin + PathSpaceJoin + "#" + code
}

func (p *PersonShare) remove(ctx app.Context, member string) {
	ctx = p.own(ctx)
	b, s := spaces(), current()
	if b == nil || s == nil || p.busy != "" {
		return
	}
	p.busy, p.err, p.notice = "remove", "", ""
	id := p.id
	ctx.Async(func() {
		err := b.RemoveMember(ctx, s, id, member)
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = ""
			if err != nil {
				p.err = spaceErrorText(err)
				return
			}
			p.confirm = ""
			p.notice = i18n.T("space.removed.done")
			p.listMembers(ctx)
		})
	})
}

func (p *PersonShare) Render() app.UI {
	if !p.ready {
		return &Shell{Title: i18n.T("space.share.title")}
	}
	title := i18n.T("space.share.title.for", p.name)
	if engine() == nil {
		return &Shell{Title: title, Content: []app.UI{
			app.P().ID("share-needs-sync").Class("warn-box").Text(i18n.T("space.needsync")),
			app.P().Body(app.A().ID("share-to-devices").Class("btn").Href(PathDevices).Text(i18n.T("space.needsync.link"))),
		}}
	}
	return &Shell{Title: title, Content: []app.UI{
		app.P().Class("lead-left").Text(i18n.T("space.share.intro", p.name)),
		app.Div().Class("slot").Aria("live", "polite").Body(
			app.If(p.notice != "", func() app.UI { return okBanner(p.notice) }),
		),
		app.Div().Class("slot").Body(app.If(p.err != "", func() app.UI { return errorBanner(p.err) })),
		app.If(p.link == "", p.renderForm).Else(p.renderLink),
		p.renderMembers(),
	}}
}

func (p *PersonShare) renderForm() app.UI {
	roles := []spaceRole{roleView, roleEdit}
	return app.Form().ID("share-form").Class("card vault-form").OnSubmit(p.makeLink).Body(
		app.FieldSet().Class("share-roles").Body(
			app.Legend().Text(i18n.T("space.role.q", p.name)),
			app.Range(roles).Slice(func(i int) app.UI {
				r := roles[i]
				return app.Label().Class("radio").For("share-role-"+string(r)).Body(
					app.Input().Type("radio").ID("share-role-"+string(r)).Name("share-role").Value(string(r)).
						Checked(p.role == r).OnChange(func(ctx app.Context, e app.Event) {
						p.role = spaceRole(ctx.JSSrc().Get("value").String())
					}),
					app.Span().Body(
						app.Strong().Text(memberRoleText(r)),
						app.Span().Class("field-hint").Text(i18n.T("space.role.hint."+string(r), p.name)),
					),
				)
			}),
		),
		field("share-owner", i18n.T("space.owner"), i18n.T("space.owner.hint"), p.errName,
			app.Input().Type("text").Value(p.owner).Attr("autocomplete", "name").MaxLength(maxProfileName).
				OnInput(func(ctx app.Context, e app.Event) {
					p.owner = ctx.JSSrc().Get("value").String()
					p.errName = ""
				})),
		app.If(p.busy == "share", func() app.UI { return busyBar(i18n.T("space.making")) }),
		app.Div().Class("actions").Body(
			app.Button().ID("share-make").Type("submit").Class("btn").Disabled(p.busy != "").
				Aria("busy", p.busy == "share").Text(i18n.T("space.make")),
		),
	)
}

func (p *PersonShare) renderLink() app.UI {
	what := i18n.T("space.link.view", p.name)
	if p.role == roleEdit {
		what = i18n.T("space.link.edit", p.name)
	}
	return app.Section().ID("share-made").Class("card pair").Aria("labelledby", "share-made-h").Body(append([]app.UI{
		app.H2().ID("share-made-h").Text(i18n.T("space.link.title")),
		app.P().ID("share-what").Text(what),
		app.P().Text(i18n.T("space.link.how")),
	}, pairCode(p.qr, i18n.T("space.link.label"), "share-link", p.link, "share-once", i18n.T("space.link.once", xpWhen(p.expires)),
		app.Button().ID("share-done").Class("btn btn-secondary").Text(i18n.T("space.link.done")).
			OnClick(func(ctx app.Context, e app.Event) {
				p.link, p.qr = "", qrCode{}
				p.listMembers(ctx)
			}))...)...)
}

func (p *PersonShare) renderMembers() app.UI {
	return app.Section().ID("share-members").Class("card sync-card").Aria("labelledby", "share-members-h").Body(
		app.H2().ID("share-members-h").Text(i18n.T("space.members")),
		app.If(len(p.members) == 0, func() app.UI {
			return app.P().Class("muted").Text(i18n.T("space.members.none", p.name))
		}),
		app.Ul().Class("device-list").Body(app.Range(p.members).Slice(func(i int) app.UI {
			m := p.members[i]
			return app.Li().Class("device member").DataSet("id", m.ID).Body(
				app.Span().Class("device-name member-name").Text(m.Name),
				app.Span().Class("member-role").Text(memberRoleText(m.Role)),
				app.Span().Class("muted member-since").Text(i18n.T("space.member.since", fileDate(m.Joined))),
				app.If(p.confirm == m.ID, func() app.UI {
					return app.Div().Class("confirm-box").Role("alertdialog").Aria("labelledby", "member-confirm-"+m.ID).Body(
						app.P().ID("member-confirm-"+m.ID).Text(i18n.T("space.stop.confirm", m.Name, p.name)),
						app.Div().Class("actions").Body(
							app.Button().Class("btn btn-danger member-stop-yes").Disabled(p.busy != "").
								Text(i18n.T("space.stop")).
								OnClick(func(ctx app.Context, e app.Event) { p.remove(ctx, p.confirm) }, app.EventScope(m.ID)),
							app.Button().Class("btn btn-secondary member-stop-no").Text(i18n.T("space.cancel")).
								OnClick(func(ctx app.Context, e app.Event) { p.confirm = "" }),
						),
					)
				}).Else(func() app.UI {
					id := m.ID
					return app.Button().Class("btn btn-secondary btn-small member-stop").Disabled(p.busy != "").
						Aria("label", i18n.T("space.stop.label", m.Name)).
						Text(i18n.T("space.stop")).
						OnClick(func(ctx app.Context, e app.Event) { p.confirm = id }, app.EventScope(id))
				}),
			)
		})),
	)
}
