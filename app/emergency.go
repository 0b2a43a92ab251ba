package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/record"
)

func init() { addPage(PathEmergency, false, func() app.Composer { return &EmergencyPage{} }) }

// EmergencyPage is the emergency card: who this is, what can kill them
// (allergies), what they live with and take, and whom to call. Big type,
// one printed page, built from the in-memory book so it works offline.
type EmergencyPage struct {
	app.Compo
	emergencyFacts
}

// emergencyFacts is what the emergency and wallet cards show: the person,
// their summary and blood type.
type emergencyFacts struct {
	ok      bool
	profile record.Profile
	sum     record.Summary
	blood   string
}

// load reads the facts of the person being looked at; ok is false with no
// session or no profile.
func (f *emergencyFacts) load() {
	s := current()
	prof, ok := currentProfile()
	*f = emergencyFacts{ok: ok && s != nil}
	if !f.ok {
		return
	}
	f.profile = prof
	f.sum = s.Book().Summary(prof.ID)
	if e, ok := bloodType(f.sum.Labs); ok {
		if f.blood = e.Text; f.blood == "" {
			f.blood = e.ResultText()
		}
	}
}

func (p *EmergencyPage) OnNav(ctx app.Context) {
	if requireSession(ctx) {
		p.load()
	}
}

func (p *EmergencyPage) Render() app.UI {
	if !p.ok {
		return &Shell{Title: i18n.T("emergency.title"), Content: []app.UI{noProfile()}}
	}
	s := p.sum
	return &Shell{Content: []app.UI{
		app.Div().Class("actions ecard-actions no-print").Body(
			app.Button().ID("print").Class("btn").Text(i18n.T("emergency.print")).
				OnClick(func(ctx app.Context, e app.Event) { printPage() }),
			app.A().ID("wallet-link").Class("btn btn-secondary").Href(PathWallet).Text(i18n.T("shl.wallet.print")),
			app.A().Class("btn btn-secondary").Href(PathSummary).Text(i18n.T("emergency.back")),
		),
		app.Article().ID("emergency-card").Class("card emergency ecard").Aria("labelledby", "ecard-title").Body(
			app.P().Class("ecard-kicker").Text(i18n.T("emergency.kicker")),
			app.H1().ID("ecard-title").Class("ecard-name").Text(p.profile.Name),
			app.Dl().Class("facts ecard-facts").Body(
				app.If(p.profile.BirthDate != "", func() app.UI {
					return app.Div().Class("ecard-fact").Body(
						app.Dt().Text(i18n.T("emergency.born")),
						app.Dd().Text(p.profile.BirthDate),
					)
				}),
				app.If(p.blood != "", func() app.UI {
					return app.Div().Class("ecard-fact").Body(
						app.Dt().Text(i18n.T("emergency.blood")),
						app.Dd().ID("ecard-blood").Text(p.blood),
					)
				}),
			),
			app.Section().Class("ecard-block ecard-allergies").Aria("labelledby", "e-allergies").Body(
				app.H2().ID("e-allergies").Text(i18n.T("emergency.allergies")),
				app.If(len(s.Allergies) == 0, func() app.UI {
					return app.P().Text(i18n.T("emergency.allergies.none"))
				}).Else(func() app.UI {
					return app.Ul().Body(app.Range(s.Allergies).Slice(func(i int) app.UI {
						e := s.Allergies[i]
						react := reactionsOf(e.Text)
						return app.Li().Body(
							app.Strong().Text(titleOf(e)),
							allergyBadgeUI(e.Text),
							app.If(react != "", func() app.UI { return app.Span().Class("ecard-detail").Text(react) }),
						)
					}))
				}),
			),
			p.block("conditions", "emergency.conditions", s.Conditions),
			p.block("medications", "emergency.medications", s.Medications),
			app.Section().Class("ecard-block ecard-contacts").Aria("labelledby", "e-contacts").Body(
				app.H2().ID("e-contacts").Text(i18n.T("emergency.contacts")),
				app.If(len(s.EmergencyContacts) == 0, func() app.UI {
					return app.P().Class("muted").Text(i18n.T("emergency.contacts.none"))
				}).Else(func() app.UI {
					return app.Ul().Body(app.Range(s.EmergencyContacts).Slice(func(i int) app.UI {
						e := s.EmergencyContacts[i]
						phone := phoneIn(e.Text)
						rel := withoutPart(e.Text, phone)
						return app.Li().Body(
							app.Strong().Text(titleOf(e)),
							app.If(rel != "", func() app.UI { return app.Span().Class("ecard-detail").Text(rel) }),
							app.If(phone != "", func() app.UI {
								return app.A().Class("ecard-phone").Href(telHref(phone)).Text(phone)
							}),
						)
					}))
				}),
			),
			app.P().Class("ecard-foot muted").Text(i18n.T("emergency.foot")),
		),
		app.P().Class("muted ecard-note no-print").Body(
			app.Text(i18n.T("emergency.missing")+" "),
			app.A().Href(PathAdd).Text(i18n.T("summary.add")),
		),
	}}
}

// block is one list of the card; lists that are empty say so.
func (p *EmergencyPage) block(id, titleKey string, list []record.Entry) app.UI {
	return app.Section().Class("ecard-block ecard-"+id).Aria("labelledby", "e-"+id).Body(
		app.H2().ID("e-"+id).Text(i18n.T(titleKey)),
		app.If(len(list) == 0, func() app.UI {
			return app.P().Class("muted").Text(i18n.T("summary.none"))
		}).Else(func() app.UI {
			return app.Ul().Body(app.Range(list).Slice(func(i int) app.UI {
				e := list[i]
				return app.Li().Body(
					app.Strong().Text(titleOf(e)),
					app.If(e.Text != "", func() app.UI { return app.Span().Class("ecard-detail").Text(e.Text) }),
				)
			}))
		}),
	)
}
