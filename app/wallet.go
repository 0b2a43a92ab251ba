package ui

import (
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/record"
	"backpack/internal/share"
)

func init() { addPage(PathWallet, false, func() app.Composer { return &WalletPage{} }) }

// Limits of what fits on a wallet card's back; the rest is behind the QR.
const (
	walletAllergies   = 4
	walletConditions  = 3
	walletMedications = 4
	walletContacts    = 2
)

// WalletPage is the wallet card: the emergency card's essentials on a card
// to fold and carry, and a QR code of a long-lived health link (SMART
// Health Links, "L") that opens the current emergency information in any
// browser. The link is kept up to date like any living link and is revoked
// from the share page.
type WalletPage struct {
	app.Compo
	mounted // the page's own context, for what its buttons' work reports (see mounted)
	emergencyFacts

	link    *record.SharedLink // this person's wallet link, if one works
	revoked bool               // one was revoked: say so
	qr      qrCode
	api     string // "", "on", "off"

	protect  bool
	passcode string
	busy     bool
	err      string
}

func (p *WalletPage) OnNav(ctx app.Context) {
	if !requireSession(ctx) {
		return
	}
	p.load()
	s := current()
	if !p.ok {
		return
	}
	p.link, p.revoked, p.qr = nil, false, qrCode{}
	for _, l := range s.SharedLinks() { // newest first
		if l.Kind != record.LinkWallet || l.Profile != p.profile.ID {
			continue
		}
		if !l.Revoked && time.Now().Before(l.Expires) {
			p.setLink(ctx, l)
			break
		}
		if l.Revoked {
			p.revoked = true
		}
	}
	if p.link == nil {
		ctx.Async(func() {
			state := xpShareAPIState()
			ctx.Dispatch(func(ctx app.Context) { p.api = state })
		})
	}
}

func (p *WalletPage) setLink(ctx app.Context, l record.SharedLink) {
	p.link = &l
	p.qr = qrCode{text: l.Link} // being drawn
	drawQRLater(p.own(ctx), l.Link, i18n.T("shl.wallet.qr"), func(q qrCode) {
		if p.link != nil && p.link.Link == q.text {
			p.qr = q
		}
	})
}

// make creates the wallet card's link: long-lived, kept up to date, with a
// passcode only if the person wants one.
func (p *WalletPage) make(ctx app.Context, e app.Event) {
	e.PreventDefault()
	ctx = p.own(ctx) // what the work reports outlives the element it came from
	s := current()
	if s == nil {
		lockNow()
		return
	}
	if p.busy || p.api != "on" {
		return
	}
	pass, flag := "", share.FlagLongTerm
	if p.protect {
		var ok bool
		if pass, ok = shlPasscode(p.passcode); !ok {
			p.err = i18n.T("shl.err.passcode.short")
			return
		}
		flag += share.FlagPasscode
	}
	tmpl := record.SharedLink{Kind: record.LinkWallet, Flag: flag, Profile: p.profile.ID, Label: i18n.T("emergency.title")}
	p.busy, p.err = true, ""
	ctx.Async(func() {
		l, err := shlCreate(ctx, s, tmpl, pass, shlWalletTTL)
		ctx.Dispatch(func(ctx app.Context) {
			p.busy = false
			if err != nil {
				if err == errXPShareOff {
					p.api = "off"
				}
				p.err = xpShareErrorText(err)
				return
			}
			p.passcode, p.revoked = "", false
			p.setLink(ctx, l)
		})
	})
}

func (p *WalletPage) Render() app.UI {
	title := i18n.T("shl.wallet.title")
	if !p.ok {
		return &Shell{Title: title, Content: []app.UI{noProfile()}}
	}
	return &Shell{Title: title, Content: []app.UI{
		app.P().Class("xp-lead no-print").Text(i18n.T("shl.wallet.lead")),
		app.If(p.link == nil, func() app.UI { return p.renderMake() }).
			Else(func() app.UI { return p.renderCard() }),
	}}
}

func (p *WalletPage) renderMake() app.UI {
	off := p.api == "off"
	return app.Form().ID("wallet-form").Class("card xp-step no-print").OnSubmit(p.make).Body(
		app.If(p.revoked, func() app.UI { return app.P().Class("muted").Text(i18n.T("shl.wallet.revoked")) }),
		app.If(off, func() app.UI { return errorBanner(i18n.T("shl.wallet.off")) }).Else(func() app.UI {
			return app.P().Text(i18n.T("shl.wallet.how"))
		}),
		xpCheckbox("wallet-protect", i18n.T("shl.protect"), i18n.T("shl.wallet.protect.hint"), p.protect, p.busy || off,
			func(v bool) { p.protect = v }),
		app.If(p.protect, func() app.UI {
			return field("wallet-passcode", i18n.T("shl.passcode"), "", "",
				app.Input().Type("text").Attr("autocomplete", "off").Attr("spellcheck", "false").MaxLength(64).
					Value(p.passcode).Disabled(p.busy).
					OnInput(func(ctx app.Context, e app.Event) { p.passcode = ctx.JSSrc().Get("value").String() }))
		}),
		app.If(p.err != "", func() app.UI { return errorBanner(p.err) }),
		app.Div().Class("actions").Body(
			app.Button().ID("wallet-make").Type("submit").Class("btn").Disabled(p.busy || p.api != "on").
				Text(i18n.T("shl.wallet.make")),
			app.A().Class("btn btn-secondary").Href(PathEmergency).Text(i18n.T("shl.wallet.back")),
		),
		app.If(p.busy, func() app.UI {
			return app.Div().Class("xp-progress").Body(
				app.Progress().Aria("label", i18n.T("shl.wallet.making")),
				app.P().Class("muted").Aria("live", "polite").Text(i18n.T("shl.wallet.making")),
			)
		}),
	)
}

// renderCard is the card itself: two faces of a bank card's size side by
// side, to cut out and fold.
func (p *WalletPage) renderCard() app.UI {
	s := p.sum
	scan := i18n.T("shl.wallet.scan")
	if strings.Contains(p.link.Flag, share.FlagPasscode) {
		scan = i18n.T("shl.wallet.scan.pass")
	}
	return app.Div().Body(
		app.Div().Class("actions no-print").Body(
			app.Button().ID("wallet-print").Type("button").Class("btn").Text(i18n.T("emergency.print")).
				OnClick(func(ctx app.Context, e app.Event) { printPage() }),
			app.A().Class("btn btn-secondary").Href(PathEmergency).Text(i18n.T("shl.wallet.back")),
		),
		app.Div().ID("wallet-card").Class("wallet-sheet").Body(
			app.Section().Class("wallet-face wallet-front").Aria("label", i18n.T("shl.wallet.title")).Body(
				app.Div().Class("wallet-id").Body(
					app.P().Class("wallet-kicker").Text(i18n.T("emergency.kicker")),
					app.P().Class("wallet-name").Text(p.profile.Name),
					app.If(p.profile.BirthDate != "", func() app.UI {
						return app.P().Class("wallet-fact").Text(i18n.T("emergency.born") + ": " + p.profile.BirthDate)
					}),
					app.If(p.blood != "", func() app.UI {
						return app.P().Class("wallet-fact").Text(i18n.T("emergency.blood") + ": " + p.blood)
					}),
					app.P().Class("wallet-scan").Text(scan),
				),
				app.Div().Class("wallet-qr").Body(qrView(p.qr)),
			),
			app.Section().Class("wallet-face wallet-back").Aria("label", i18n.T("emergency.allergies")).Body(
				walletList("wallet-allergies", i18n.T("emergency.allergies"), s.Allergies, walletAllergies, i18n.T("emergency.allergies.none"), true),
				walletList("wallet-conditions", i18n.T("emergency.conditions"), s.Conditions, walletConditions, i18n.T("summary.none"), false),
				walletList("wallet-medications", i18n.T("emergency.medications"), s.Medications, walletMedications, i18n.T("summary.none"), false),
				walletContactsUI(s.EmergencyContacts),
			),
		),
		app.P().Class("muted no-print wallet-cut").Text(i18n.T("shl.wallet.cut")),
	)
}

// walletList is one short list of the card's back: the first max entries,
// then "and N more".
func walletList(class, title string, list []record.Entry, limit int, none string, allergy bool) app.UI {
	var items []app.UI
	for i, e := range list {
		if i == limit {
			break
		}
		text := titleOf(e)
		if allergy {
			if r := reactionsOf(e.Text); r != "" {
				text += " (" + r + ")"
			}
		}
		items = append(items, app.Li().Text(text))
	}
	return app.Div().Class("wallet-block "+class).Body(
		app.P().Class("wallet-h").Text(title),
		app.If(len(list) == 0, func() app.UI { return app.P().Class("wallet-none").Text(none) }).Else(func() app.UI {
			return app.Ul().Body(items...)
		}),
		app.If(len(list) > limit, func() app.UI {
			return app.P().Class("wallet-more").Text(i18n.N("shl.wallet.more", len(list)-limit))
		}),
	)
}

func walletContactsUI(list []record.Entry) app.UI {
	var items []app.UI
	for i, e := range list {
		if i == walletContacts {
			break
		}
		phone := phoneIn(e.Text)
		items = append(items, app.Li().Body(
			app.Text(titleOf(e)),
			app.If(phone != "", func() app.UI { return app.Span().Class("wallet-phone").Text(" " + phone) }),
		))
	}
	return app.Div().Class("wallet-block wallet-contacts").Body(
		app.P().Class("wallet-h").Text(i18n.T("emergency.contacts")),
		app.If(len(list) == 0, func() app.UI { return app.P().Class("wallet-none").Text(i18n.T("emergency.contacts.none")) }).
			Else(func() app.UI { return app.Ul().Body(items...) }),
	)
}
