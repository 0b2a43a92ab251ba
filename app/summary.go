package ui

import (
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/record"
)

func init() { addPage(PathSummary, false, func() app.Composer { return &SummaryPage{} }) }

// How many items a summary section shows before "Show all": what matters
// most (allergies, conditions, medications) gets more room. The caps keep
// the page quick with very long records (10,000 entries).
const (
	summaryCapMain = 25
	summaryCap     = 10
	summaryLabsCap = 12
)

// SummaryPage is the home screen once unlocked: what matters now about the
// current profile, the page shown to a clinician. It reads only the
// in-memory book (headers), so it is instant and works offline.
type SummaryPage struct {
	app.Compo

	ok        bool
	profile   record.Profile
	sum       record.Summary
	total     int // live entries
	openFlags int
	printed   string // date shown on paper
	all       map[string]bool
}

func (p *SummaryPage) OnNav(ctx app.Context) {
	if !requireSession(ctx) {
		return
	}
	p.load()
}

func (p *SummaryPage) load() {
	s := current()
	prof, ok := currentProfile()
	p.ok = ok && s != nil
	if !p.ok {
		return
	}
	b := s.Book()
	p.profile = prof
	p.sum = b.Summary(prof.ID)
	p.total = b.Len(prof.ID)
	p.openFlags = 0
	for _, e := range b.Flagged(prof.ID) {
		if e.Flag.Status == "" || e.Flag.Status == "open" {
			p.openFlags++
		}
	}
	p.printed = time.Now().Format(time.DateOnly)
	p.all = map[string]bool{}
}

func (p *SummaryPage) Render() app.UI {
	if !p.ok {
		return &Shell{Title: i18n.T("summary.title"), Content: []app.UI{noProfile()}}
	}
	return &Shell{Title: i18n.T("summary.title.for", p.profile.Name), Content: []app.UI{
		app.Div().Class("summary").Body(
			app.P().Class("summary-who").Body(
				app.If(p.profile.BirthDate != "", func() app.UI {
					return app.Span().Text(i18n.T("summary.born", p.profile.BirthDate))
				}),
				app.Span().Class("print-only").Text(i18n.T("summary.printed", p.printed)),
			),
			app.If(p.total > 0, func() app.UI { return p.renderActions() }),
			app.If(p.openFlags > 0, func() app.UI {
				return app.P().Class("banner no-print").Body(
					app.Span().Text(i18n.N("summary.flags", p.openFlags)),
					app.A().Class("btn btn-small btn-secondary").Href(PathFlags).Text(i18n.T("summary.flags.open")),
				)
			}),
			app.If(p.total == 0, func() app.UI { return p.renderEmpty() }).Else(func() app.UI {
				return app.Div().Class("summary-grid").Body(
					p.renderAllergies(),
					p.section("conditions", "summary.conditions", p.sum.Conditions, true, summaryCapMain, p.item),
					p.section("medications", "summary.medications", p.sum.Medications, true, summaryCapMain, p.item),
					p.renderLabs(),
					p.section("vitals", "summary.vitals", p.sum.Vitals, false, summaryCap, p.resultItem),
					p.section("immunizations", "summary.immunizations", p.sum.Immunizations, false, summaryCap, p.item),
					p.section("careteam", "summary.careteam", p.sum.CareTeam, false, summaryCap, p.contactItem),
					p.section("contacts", "summary.contacts", p.sum.EmergencyContacts, false, summaryCap, p.contactItem),
					p.section("insurance", "summary.insurance", p.sum.Insurance, false, summaryCap, p.item),
				)
			}),
		),
	}}
}

// renderActions are the quick actions: add, import, emergency card, print.
func (p *SummaryPage) renderActions() app.UI {
	change := mayChangeCurrent() // a profile shared to view only: nothing to add here
	return app.Div().Class("actions summary-actions no-print").Body(
		app.If(change, func() app.UI { return app.A().Class("btn btn-small").Href(PathAdd).Text(i18n.T("summary.add")) }),
		app.If(change, func() app.UI {
			return app.A().Class("btn btn-small btn-secondary").Href(PathImport).Text(i18n.T("summary.import"))
		}),
		app.If(change, func() app.UI {
			return app.A().ID("to-connect").Class("btn btn-small btn-secondary").Href(PathConnect).Text(i18n.T("portal.link"))
		}),
		app.A().ID("to-emergency").Class("btn btn-small btn-secondary").Href(PathEmergency).
			Text(i18n.T("summary.emergency")),
		app.Button().ID("print").Class("btn btn-small btn-secondary").Text(i18n.T("summary.print")).
			OnClick(func(ctx app.Context, e app.Event) { printPage() }),
	)
}

// noProfile is shown when the vault has no person yet.
func noProfile() app.UI {
	return app.Div().Class("card empty").Body(
		app.P().Text(i18n.T("summary.noprofile")),
		app.A().Class("btn").Href(PathProfiles).Text(i18n.T("summary.noprofile.add")),
	)
}

func (p *SummaryPage) renderEmpty() app.UI {
	if !may(p.profile.ID).Change { // shared to view only: nothing to add, only what is (not yet) here
		return app.Div().ID("summary-empty").Class("card empty").Body(
			app.H2().Text(i18n.T("summary.empty.title", p.profile.Name)),
			readOnlyNote(),
		)
	}
	return app.Div().ID("summary-empty").Class("card empty").Body(
		app.H2().Text(i18n.T("summary.empty.title", p.profile.Name)),
		app.P().Text(i18n.T("summary.empty.text")),
		app.Div().Class("actions").Body(
			app.A().Class("btn").Href(PathAdd).Text(i18n.T("summary.empty.add")),
			app.A().Class("btn btn-secondary").Href(PathImport).Text(i18n.T("summary.empty.import")),
		),
	)
}

// renderAllergies is always shown, first, and stands out: "none recorded"
// is something a clinician must see too.
func (p *SummaryPage) renderAllergies() app.UI {
	all := p.sum.Allergies
	list := all
	if !p.all["allergies"] && len(list) > summaryCapMain {
		list = list[:summaryCapMain]
	}
	return app.Section().ID("sum-allergies").Class("card sum-section allergies").Aria("labelledby", "h-allergies").Body(
		app.H2().ID("h-allergies").Body(
			app.Text(i18n.T("summary.allergies")),
			app.If(len(all) > 0, func() app.UI { return app.Span().Class("count").Text(len(all)) }),
		),
		app.If(len(list) == 0, func() app.UI {
			return app.P().Class("muted").Text(i18n.T("summary.allergies.none"))
		}).Else(func() app.UI {
			return app.Ul().Class("sum-list").Body(app.Range(list).Slice(func(i int) app.UI {
				e := list[i]
				return app.Li().Body(
					app.A().Class("sum-title").Href(PathEntry+e.ID).Text(titleOf(e)),
					allergyBadgeUI(e.Text),
					app.If(reactionsOf(e.Text) != "", func() app.UI {
						return app.Span().Class("sum-meta").Text(reactionsOf(e.Text))
					}),
				)
			}))
		}),
		p.moreButton("allergies", len(all), len(list)),
	)
}

// allergyBadgeUI shows an allergy's risk and severity badges (nil if none).
func allergyBadgeUI(text string) app.UI {
	badges := allergyBadges(text)
	if len(badges) == 0 {
		return nil
	}
	return app.Span().Class("sev-badges").Body(app.Range(badges).Slice(func(i int) app.UI {
		return app.Span().Class(severityClass(badges[i])).Text(i18n.T("summary.severity." + badges[i]))
	}))
}

// severityClass is the badge class of an allergy severity.
func severityClass(sev string) string {
	switch sev {
	case "high", "severe":
		return "badge danger"
	case "moderate":
		return "badge warn"
	}
	return "badge"
}

// section renders one titled list; required sections say "none recorded"
// when empty, the others are left out.
func (p *SummaryPage) section(id, titleKey string, list []record.Entry, required bool, limit int, item func(record.Entry) app.UI) app.UI {
	if len(list) == 0 && !required {
		return nil
	}
	shown := list
	if !p.all[id] && len(shown) > limit {
		shown = shown[:limit]
	}
	return app.Section().ID("sum-"+id).Class("card sum-section").Aria("labelledby", "h-"+id).Body(
		app.H2().ID("h-"+id).Body(
			app.Text(i18n.T(titleKey)),
			app.If(len(list) > 0, func() app.UI { return app.Span().Class("count").Text(len(list)) }),
		),
		app.If(len(list) == 0, func() app.UI {
			return app.P().Class("muted").Text(i18n.T("summary.none"))
		}).Else(func() app.UI {
			return app.Ul().Class("sum-list").Body(app.Range(shown).Slice(func(i int) app.UI { return item(shown[i]) }))
		}),
		p.moreButton(id, len(list), len(shown)),
	)
}

func (p *SummaryPage) moreButton(id string, total, shown int) app.UI {
	if shown >= total {
		return nil
	}
	return app.Button().Class("btn btn-small btn-secondary no-print").Text(i18n.T("summary.showall", total)).
		OnClick(func(ctx app.Context, e app.Event) { p.all[id] = true }, app.EventScope(id))
}

// item: title, detail, date, status.
func (p *SummaryPage) item(e record.Entry) app.UI {
	return app.Li().Body(
		app.A().Class("sum-title").Href(PathEntry+e.ID).Text(titleOf(e)),
		app.If(e.Flag != nil, func() app.UI { return app.Span().Class("badge danger").Text(i18n.T("summary.flagged")) }),
		app.If(sumDate(e) != "", func() app.UI {
			return app.Span().Class("sum-date").Text(sumDate(e))
		}),
		app.If(e.Text != "", func() app.UI { return app.Span().Class("sum-meta").Text(e.Text) }),
	)
}

// resultItem: a vital sign with its latest value.
func (p *SummaryPage) resultItem(e record.Entry) app.UI {
	return app.Li().Body(
		app.A().Class("sum-title").Href(PathEntry+e.ID).Text(titleOf(e)),
		app.Span().Class("sum-value").Text(e.ResultText()),
		recResultBadge(e.Projection),
		app.If(sumDate(e) != "", func() app.UI { return app.Span().Class("sum-date").Text(sumDate(e)) }),
	)
}

// contactItem: a person or organisation with a phone link.
func (p *SummaryPage) contactItem(e record.Entry) app.UI {
	phone := phoneIn(e.Text)
	rest := withoutPart(e.Text, phone)
	return app.Li().Body(
		app.A().Class("sum-title").Href(PathEntry+e.ID).Text(titleOf(e)),
		app.If(rest != "", func() app.UI { return app.Span().Class("sum-meta").Text(rest) }),
		app.If(phone != "", func() app.UI { return app.A().Class("sum-phone").Href(telHref(phone)).Text(phone) }),
	)
}

func (p *SummaryPage) renderLabs() app.UI {
	labs := p.sum.Labs
	if len(labs) == 0 {
		return nil
	}
	shown := labs
	if !p.all["labs"] && len(shown) > summaryLabsCap {
		shown = shown[:summaryLabsCap]
	}
	return app.Section().ID("sum-labs").Class("card sum-section labs").Aria("labelledby", "h-labs").Body(
		app.H2().ID("h-labs").Body(
			app.Text(i18n.T("summary.labs")),
			app.Span().Class("count").Text(len(labs)),
		),
		app.Div().Class("table-wrap").Body(
			app.Table().Class("labs-table").Body(
				app.THead().Body(app.Tr().Body(
					app.Th().Scope("col").Text(i18n.T("summary.labs.test")),
					app.Th().Scope("col").Text(i18n.T("summary.labs.result")),
					app.Th().Scope("col").Text(i18n.T("summary.labs.range")),
					app.Th().Scope("col").Class("lab-date").Text(i18n.T("summary.labs.date")),
				)),
				app.TBody().Body(app.Range(shown).Slice(func(i int) app.UI {
					e := shown[i]
					return app.Tr().Body(
						app.Td().Body(
							app.A().Href(PathEntry+e.ID).Text(titleOf(e)),
							app.If(sumDate(e) != "", func() app.UI { return app.Span().Class("lab-when").Text(sumDate(e)) }),
						),
						app.Td().Class("lab-value").Body(
							app.Span().Text(e.ResultText()),
							recResultBadge(e.Projection),
						),
						app.Td().Class("lab-range").Text(e.RangeNumbers()),
						app.Td().Class("lab-date").Text(sumDate(e)),
					)
				})),
			),
		),
		p.moreButton("labs", len(labs), len(shown)),
	)
}

// titleOf is an entry's title, or its kind when it has none.
func titleOf(e record.Entry) string {
	if e.Title != "" {
		return e.Title
	}
	return i18n.T("record.kind." + string(e.Kind))
}
