package ui

import (
	"errors"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/vault"
)

// PathSpaceJoin is the page a shared profile's link opens, with the
// invitation code in the #fragment.
const PathSpaceJoin = "/shared"

func init() { addPage(PathSpaceJoin, false, func() app.Composer { return &SpaceJoin{} }) }

// SpaceJoin is the member's side: after their own vault is unlocked (or
// created), it says whose profile it is and what they may do, asks for
// their name as the owner will see it, and adds the person to their
// profiles.
type SpaceJoin struct {
	app.Compo
	mounted

	noVault bool // this browser has no vault yet: create one first
	looking bool
	inv     *spaceInvite
	name    string
	errName string
	busy    bool
	err     string
}

func (p *SpaceJoin) OnNav(ctx app.Context) {
	p.noVault, p.inv, p.err, p.errName = false, nil, "", ""
	if _, hash := xpLocation(); len(hash) > 1 {
		setPendingSpace(strings.TrimPrefix(hash, "#"))
		xpDropFragment() // the code leaves the address bar and history
	}
	if pendingSpaceCode() == "" {
		p.err = i18n.T("space.join.nocode")
		return
	}
	if current() == nil {
		ctx = p.own(ctx)
		ctx.Async(func() {
			exists, err := vaultExists(ctx)
			ctx.Dispatch(func(ctx app.Context) {
				switch {
				case err != nil:
					p.err = errorText(vault.MessageKey(err))
				case exists:
					requireSession(ctx) // unlock, then back here (the code waits in memory)
				default:
					p.noVault = true
				}
			})
		})
		return
	}
	p.look(ctx)
}

// look reads the invitation: whose profile, what it allows.
func (p *SpaceJoin) look(ctx app.Context) {
	b := spaces()
	if b == nil {
		p.err = i18n.T("space.err.generic")
		return
	}
	ctx = p.own(ctx)
	code := pendingSpaceCode()
	p.looking = true
	if p.name == "" {
		if s := current(); s != nil {
			p.name = selfName(s.Book().Profiles())
		}
	}
	ctx.Async(func() {
		inv, err := b.Look(ctx, code)
		ctx.Dispatch(func(ctx app.Context) {
			p.looking = false
			if err != nil {
				p.err = spaceErrorText(err)
				return
			}
			p.inv = &inv
			vaultFocus(ctx, "join-name")
		})
	})
}

func (p *SpaceJoin) join(ctx app.Context, e app.Event) {
	e.PreventDefault()
	ctx = p.own(ctx)
	b, s := spaces(), current()
	if s == nil {
		lockNow()
		return
	}
	if b == nil || p.inv == nil || p.busy {
		return
	}
	name, err := checkProfileName(p.name)
	if err != nil {
		p.errName = i18n.T("space.err.member")
		vaultFocus(ctx, "join-name")
		return
	}
	p.busy, p.err, p.errName = true, "", ""
	inv := *p.inv
	ctx.Async(func() {
		id, err := b.Join(ctx, s, inv, name)
		if err == nil {
			refreshSpaces(ctx, s)
		}
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				p.err = spaceErrorText(err)
				return
			}
			setPendingSpace("")
			setProfile(id)
			joinedNotice(inv.Owner)
			ctx.Navigate(PathProfiles)
		})
	})
}

func (p *SpaceJoin) Render() app.UI {
	title := i18n.T("space.join.title")
	switch {
	case p.noVault:
		return &Shell{Title: title, Content: []app.UI{
			app.P().ID("join-first").Class("lead-left").Text(i18n.T("space.join.first")),
			app.P().Body(app.A().ID("join-setup").Class("btn").Href(PathSetup).Text(i18n.T("space.join.setup"))),
		}}
	case p.inv == nil:
		return &Shell{Title: title, Content: []app.UI{
			app.If(p.err != "", func() app.UI { return errorBanner(p.err) }),
			app.If(p.looking, func() app.UI { return busyBar(i18n.T("space.join.looking")) }),
		}}
	}
	inv := p.inv
	return &Shell{Title: title, Content: []app.UI{
		app.Div().Class("slot").Body(app.If(p.err != "", func() app.UI { return errorBanner(p.err) })),
		app.Form().ID("join-space-form").Class("card vault-form").OnSubmit(p.join).Body(
			app.P().ID("join-whose").Text(i18n.T("space.join.whose", inv.Owner, spaceRoleText(inv.Role))),
			app.P().Class("muted").Text(i18n.T("space.join.kept", inv.Owner)),
			field("join-name", i18n.T("space.member"), i18n.T("space.member.hint", inv.Owner), p.errName,
				app.Input().Type("text").Value(p.name).Attr("autocomplete", "name").MaxLength(maxProfileName).
					OnInput(func(ctx app.Context, e app.Event) {
						p.name = ctx.JSSrc().Get("value").String()
						p.errName = ""
					})),
			app.If(p.busy, func() app.UI { return busyBar(i18n.T("space.join.joining")) }),
			app.Div().Class("actions").Body(
				app.Button().ID("join-space").Type("submit").Class("btn").Disabled(p.busy).
					Aria("busy", p.busy).Text(i18n.T("space.join.button")),
			),
		),
	}}
}

// spaceErrorText says why sharing did not work, in plain words.
func spaceErrorText(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, errSpaceBadCode):
		return i18n.T("space.err.code")
	case errors.Is(err, errSpaceNoSync):
		return i18n.T("space.needsync")
	case errors.Is(err, errSpaceReadOnly):
		return i18n.T("space.err.readonly")
	case errors.Is(err, errSpaceRemoved):
		return i18n.T("space.err.removed")
	}
	return syncErrorText(err)
}

// joinedNotice is the Profiles page's next confirmation.
var joined struct{ owner string }

func joinedNotice(owner string) { joined.owner = owner }

// takeJoinedNotice returns and forgets the confirmation after joining.
func takeJoinedNotice() string {
	o := joined.owner
	joined.owner = ""
	if o == "" {
		return ""
	}
	return i18n.T("space.join.done", o)
}

// refreshSpacesAsync refreshes what is shared in the background.
func refreshSpacesAsync(ctx app.Context) {
	s := current()
	ctx.Async(func() { refreshSpaces(ctx, s) })
}
