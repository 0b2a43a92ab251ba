package ui

import (
	"slices"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/record"
)

func init() {
	addPage("^"+PathTrend+recIdPattern+"$", true, func() app.Composer { return &TrendPage{} })
}

// Chart size in SVG units; CSS scales it to the width of the page.
const (
	trendWidth  = 720
	trendHeight = 300
)

// TrendPage charts a repeated lab test or vital sign (PathTrend + the id of
// one of its entries): the values over time with the reference range
// shaded, and a table of every value.
type TrendPage struct {
	app.Compo

	ready bool
	id    string
	found bool
	trend record.Trend
	svg   string
}

func (p *TrendPage) OnNav(ctx app.Context) {
	p.ready, p.found, p.trend, p.svg = false, false, record.Trend{}, ""
	if !requireSession(ctx) {
		return
	}
	p.ready = true
	p.id = recPathID(reTrendPath, ctx.Page().URL().Path)
	s := current()
	e, ok := s.Book().Get(p.id)
	if !ok || !e.Deleted.IsZero() {
		return
	}
	key := record.TrendKey(e)
	if key == "" {
		return
	}
	p.found = true
	p.trend = s.Book().Trend(e.Profile, key)
	// The SVG is built by record.TrendSVG, which escapes every text it
	// writes (titles, units, labels); it holds no script or style.
	w, h := trendWidth, trendHeight
	if app.IsClient {
		// Draw at the size it is shown, so that labels stay readable on phones.
		if vw := app.Window().Get("innerWidth").Int(); vw > 0 {
			w = min(max(vw-64, 300), trendWidth)
			if vw < 600 {
				h = 220
			}
		}
	}
	p.svg = record.TrendSVG(p.trend.Points, p.trend.RefLow, p.trend.RefHigh, w, h,
		record.LabelsFor(p.trend, i18n.Current()))
}

func (p *TrendPage) Render() app.UI {
	if !p.ready {
		return &Shell{Title: i18n.T("rec.trend.title")}
	}
	if !p.found {
		return &Shell{Title: i18n.T("rec.trend.title"), Content: []app.UI{
			app.P().Text(i18n.T("rec.trend.none")),
			app.A().Class("btn btn-secondary").Href(PathTimeline).Text(i18n.T("rec.timeline.back")),
		}}
	}
	t := p.trend
	rows := slices.Clone(t.Points)
	slices.Reverse(rows) // newest first in the table
	rng := record.Projection{Unit: t.Unit, RefLow: t.RefLow, RefHigh: t.RefHigh}.RangeText()
	return &Shell{Title: t.Title, Content: []app.UI{
		app.P().Class("muted").Body(
			app.Text(i18n.N("rec.trend.count", len(t.Points))),
			app.If(rng != "", func() app.UI {
				return app.Span().Body(app.Text(" · "+i18n.T("rec.entry.range")+": "), app.Span().ID("trend-range").Text(rng))
			}),
		),
		app.Figure().Class("card trend-figure").Body(
			app.Div().ID("chart").Class("chart-wrap").Body(app.Raw(p.svg)),
			app.FigCaption().Class("muted legend").Body(
				app.If(rng != "", func() app.UI {
					return app.Span().Class("legend-item").Body(
						app.Span().Class("swatch swatch-ref").Aria("hidden", "true"),
						app.Text(i18n.T("record.chart.range")),
					)
				}),
				app.Span().Class("legend-item").Body(
					app.Span().Class("swatch swatch-high").Aria("hidden", "true"),
					app.Text(i18n.T("rec.trend.outside")),
				),
			),
		),
		app.Table().ID("trend-table").Class("card trend-table").Body(
			app.Caption().Class("sr-only").Text(i18n.T("rec.trend.table", t.Title)),
			app.THead().Body(app.Tr().Body(
				app.Th().Scope("col").Text(i18n.T("rec.entry.date")),
				app.Th().Scope("col").Text(i18n.T("rec.entry.result")),
				app.Th().Scope("col").Body(app.Span().Class("sr-only").Text(i18n.T("rec.trend.flag"))),
			)),
			app.TBody().Body(app.Range(rows).Slice(func(i int) app.UI {
				pt := rows[i]
				return app.Tr().Class(recRowClass(pt.EntryID == p.id)).Body(
					app.Td().Body(app.A().Href(PathEntry+pt.EntryID).Text(pt.Date.Format("2006-01-02"))),
					app.Td().Class("num").Text(pt.Text(t)),
					app.Td().Body(recLevelBadge(pt.Flag(t))),
				)
			})),
		),
		app.Div().Class("actions").Body(
			app.A().Class("btn btn-secondary").Href(PathEntry + p.id).Text(i18n.T("rec.trend.back")),
		),
	}}
}

func recRowClass(current bool) string {
	if current {
		return "current"
	}
	return ""
}
