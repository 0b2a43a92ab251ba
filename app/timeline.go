package ui

import (
	"slices"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/record"
)

func init() { addPage(PathTimeline, false, func() app.Composer { return &Timeline{} }) }

// recTimelinePage is how many entries the timeline shows at a time.
const recTimelinePage = 50

// recSearchDelay is how long typing must pause before the search runs.
const recSearchDelay = 150 * time.Millisecond

// Timeline lists everything of the current profile, newest first, in
// pages, with kind filters, a profile switcher and full-text search.
type Timeline struct {
	app.Compo

	ready    bool
	profile  string
	profiles []record.Profile
	counts   map[record.Kind]int
	kinds    []record.Kind // selected filters; none means all
	billing  bool          // record.HiddenKinds are shown too
	limit    int

	items []record.Entry
	total int

	query string
	seq   int
	qs    []string // folded words of the query that ran
	hits  []record.Hit

	undoID   string // last deleted entry, offered for undo
	restored string // entry brought back by undo
	err      string
	cctx     app.Context // the page's own context, for async results
}

func (t *Timeline) OnNav(ctx app.Context) {
	t.ready, t.profile, t.profiles, t.counts, t.kinds, t.billing = false, "", nil, nil, nil, false
	t.items, t.total, t.query, t.qs, t.hits = nil, 0, "", nil, nil
	t.undoID, t.restored, t.err = "", "", ""
	if !requireSession(ctx) {
		return
	}
	t.ready, t.cctx = true, ctx
	t.limit = recTimelinePage
	t.undoID = recTakeLastDeleted()
	if p, ok := currentProfile(); ok {
		t.profile = p.ID
	}
	t.refresh()
}

// refresh reads the page of entries (or search hits) from the book.
func (t *Timeline) refresh() {
	s := current()
	if s == nil {
		return
	}
	b := s.Book()
	t.profiles = b.Profiles()
	t.counts = b.KindCounts(t.profile)
	// Drop filters of kinds that no longer have entries.
	t.kinds = slices.DeleteFunc(t.kinds, func(k record.Kind) bool { return t.counts[k] == 0 })
	f := t.filter()
	if strings.TrimSpace(t.query) != "" {
		t.qs = recQueryWords(t.query)
		hits := b.Search(t.profile, t.query)
		hits = slices.DeleteFunc(hits, func(h record.Hit) bool { return !f.KindOK(h.Kind) })
		if hits == nil {
			hits = []record.Hit{} // searching, nothing found
		}
		t.hits = hits
		t.items, t.total = nil, len(hits)
		return
	}
	t.qs, t.hits = nil, nil
	t.items, t.total = b.Timeline(f, 0, t.limit)
}

// filter is what the chips select: the chosen kinds (all when none), and
// the hidden kinds (billing) only when asked for.
func (t *Timeline) filter() record.Filter {
	f := record.Filter{Profile: t.profile, Kinds: t.kinds}
	switch {
	case !t.billing:
		f.Hide = record.HiddenKinds
	case len(t.kinds) > 0:
		f.Kinds = append(slices.Clone(t.kinds), record.HiddenKinds...)
	}
	return f
}

// hiddenCount is how many entries the hidden kinds hold.
func (t *Timeline) hiddenCount() int {
	n := 0
	for _, k := range record.HiddenKinds {
		n += t.counts[k]
	}
	return n
}

func (t *Timeline) toggleKind(ctx app.Context, k record.Kind) {
	if k == "" {
		t.kinds = nil
	} else if i := slices.Index(t.kinds, k); i >= 0 {
		t.kinds = slices.Delete(slices.Clone(t.kinds), i, i+1)
	} else {
		t.kinds = append(slices.Clone(t.kinds), k)
	}
	t.limit = recTimelinePage
	t.refresh()
}

func (t *Timeline) onSearch(ctx app.Context, e app.Event) {
	t.query = ctx.JSSrc().Get("value").String()
	t.seq++
	seq := t.seq
	t.cctx.After(recSearchDelay, func(ctx app.Context) {
		if seq != t.seq {
			return // still typing
		}
		t.limit = recTimelinePage
		t.refresh()
	})
}

func (t *Timeline) clearSearch(ctx app.Context, e app.Event) {
	t.query = ""
	t.seq++
	t.limit = recTimelinePage
	t.refresh()
	recFocusID(t.cctx, "search")
}

func (t *Timeline) switchProfile(ctx app.Context, e app.Event) {
	id := ctx.JSSrc().Get("value").String()
	setProfile(id)
	if p, ok := currentProfile(); ok {
		t.profile = p.ID
	}
	t.kinds, t.billing, t.limit, t.undoID, t.restored = nil, false, recTimelinePage, "", ""
	t.refresh()
}

func (t *Timeline) undo(ctx app.Context, e app.Event) {
	s, id := current(), t.undoID
	if s == nil || id == "" {
		return
	}
	t.undoID = ""
	ctx = t.cctx
	ctx.Async(func() {
		err := s.Undo(ctx, id)
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				t.err = errorText("")
				return
			}
			t.restored = id
			t.refresh()
		})
	})
}

func (t *Timeline) Render() app.UI {
	if !t.ready {
		return &Shell{Title: i18n.T("rec.timeline.title")}
	}
	return &Shell{Title: i18n.T("rec.timeline.title"), Content: []app.UI{
		app.Div().Class("slot").Body(app.If(t.err != "", func() app.UI { return errorBanner(t.err) })),
		app.Div().Class("slot").Body(t.renderUndo()),
		// The person picker shares the search's row, so the list starts
		// in the top third of a phone's screen.
		app.Div().Class("search").Role("search").Body(
			app.If(len(t.profiles) > 1, func() app.UI {
				return app.Label().For("profile").Class("profile-picker").Body(
					app.Span().Class("sr-only").Text(i18n.T("rec.timeline.person")),
					app.Select().ID("profile").OnChange(t.switchProfile).Body(
						app.Range(t.profiles).Slice(func(i int) app.UI {
							p := t.profiles[i]
							return app.Option().Value(p.ID).Selected(p.ID == t.profile).Text(p.Name)
						}),
					),
				)
			}),
			app.Label().For("search").Class("sr-only").Text(i18n.T("rec.search.label")),
			app.Input().ID("search").Type("search").Placeholder(i18n.T("rec.search.placeholder")).
				AutoComplete(false).Attr("enterkeyhint", "search").
				Value(t.query).OnInput(t.onSearch),
			app.If(t.query != "", func() app.UI {
				return app.Button().ID("search-clear").Type("button").Class("btn btn-small btn-secondary").
					Text(i18n.T("rec.search.clear")).OnClick(t.clearSearch)
			}),
		),
		app.Div().Class("slot").Body(t.renderChips()),
		app.P().ID("count").Class("muted").Aria("live", "polite").Text(t.countText()),
		t.renderList(),
		app.If(t.hits == nil && len(t.items) < t.total, func() app.UI {
			return app.Div().Class("actions center").Body(
				app.Button().ID("more").Class("btn btn-secondary").
					Text(i18n.N("rec.timeline.more", t.total-len(t.items))).
					OnClick(func(ctx app.Context, e app.Event) {
						t.limit += recTimelinePage
						t.refresh()
					}),
			)
		}),
		app.If(t.hits != nil && len(t.hits) > t.limit, func() app.UI {
			return app.Div().Class("actions center").Body(
				app.Button().ID("more").Class("btn btn-secondary").
					Text(i18n.N("rec.timeline.more", len(t.hits)-t.limit)).
					OnClick(func(ctx app.Context, e app.Event) { t.limit += recTimelinePage }),
			)
		}),
	}}
}

func (t *Timeline) renderUndo() app.UI {
	if t.undoID != "" {
		return app.Div().ID("undo-banner").Class("banner ok").Role("status").Body(
			app.Span().Text(i18n.T("rec.deleted")),
			app.Div().Class("banner-actions").Body(
				app.Button().ID("undo").Class("btn btn-small").Text(i18n.T("rec.undo")).OnClick(t.undo),
				app.Button().Class("btn btn-small btn-secondary").Text(i18n.T("app.dismiss")).
					OnClick(func(ctx app.Context, e app.Event) { t.undoID = "" }),
			),
		)
	}
	if t.restored != "" {
		return app.Div().ID("restored").Class("banner ok").Role("status").Body(
			app.Span().Text(i18n.T("rec.restored")),
			app.A().Class("btn btn-small btn-secondary").Href(PathEntry+t.restored).Text(i18n.T("rec.open")),
		)
	}
	return nil
}

func (t *Timeline) renderChips() app.UI {
	var kinds []record.Kind
	for _, k := range record.Kinds {
		if t.counts[k] > 0 && !slices.Contains(record.HiddenKinds, k) {
			kinds = append(kinds, k)
		}
	}
	hidden := t.hiddenCount()
	if len(kinds) < 2 && hidden == 0 {
		return nil
	}
	// One row that scrolls sideways on a phone, so the list starts high.
	return app.Div().ID("chips").Class("chips").Role("group").Aria("label", i18n.T("rec.timeline.filter")).Body(
		app.Button().Type("button").Class("chip").DataSet("kind", "all").Aria("pressed", len(t.kinds) == 0).
			Text(i18n.T("rec.timeline.all")).
			OnClick(func(ctx app.Context, e app.Event) { t.toggleKind(ctx, "") }),
		app.Range(kinds).Slice(func(i int) app.UI {
			k := kinds[i]
			return app.Button().Type("button").Class("chip").DataSet("kind", string(k)).
				Aria("pressed", slices.Contains(t.kinds, k)).
				Text(i18n.T("rec.timeline.chip", recKindLabel(k), t.counts[k])).
				OnClick(func(ctx app.Context, e app.Event) { t.toggleKind(ctx, k) }, app.EventScope(k))
		}),
		app.If(hidden > 0, func() app.UI {
			return app.Button().ID("chip-billing").Type("button").Class("chip chip-hidden").
				DataSet("kind", string(record.KindBilling)).Aria("pressed", t.billing).
				Title(i18n.T("rec.timeline.billing")).
				Text(i18n.T("rec.timeline.chip", recKindLabel(record.KindBilling), hidden)).
				OnClick(func(ctx app.Context, e app.Event) {
					t.billing = !t.billing
					t.limit = recTimelinePage
					t.refresh()
				})
		}),
	)
}

func (t *Timeline) countText() string {
	if t.hits != nil {
		if len(t.hits) == 0 {
			return i18n.T("rec.search.none")
		}
		return i18n.N("rec.search.count", len(t.hits))
	}
	if t.total == 0 {
		return ""
	}
	return i18n.N("rec.timeline.count", t.total, len(t.items), t.total)
}

func (t *Timeline) renderList() app.UI {
	if t.hits != nil {
		hits := t.hits
		if len(hits) > t.limit {
			hits = hits[:t.limit]
		}
		return app.Ul().ID("timeline").Class("list timeline").Body(app.Range(hits).Slice(func(i int) app.UI {
			return recTimelineItem(hits[i].Entry, t.qs)
		}))
	}
	if t.total == 0 {
		if len(t.kinds) > 0 {
			return app.P().Text(i18n.T("rec.timeline.nofilter"))
		}
		if !t.billing && t.hiddenCount() > 0 {
			return app.P().ID("hidden-note").Text(i18n.T("rec.timeline.hidden"))
		}
		return app.Div().ID("empty").Class("card empty").Body(
			app.P().Text(i18n.T("rec.timeline.empty")),
			app.Div().Class("actions").Body(
				app.A().Class("btn").Href(PathAdd).Text(i18n.T("nav.add")),
				app.A().Class("btn btn-secondary").Href(PathImport).Text(i18n.T("more.import")),
			),
		)
	}
	return app.Ul().ID("timeline").Class("list timeline").Body(app.Range(t.items).Slice(func(i int) app.UI {
		return recTimelineItem(t.items[i], nil)
	}))
}

// recTimelineItem is one entry in a list: title, date, kind, one line of
// detail, result and error flags. Query words are highlighted.
func recTimelineItem(e record.Entry, qs []string) app.UI {
	text := e.Text
	switch {
	case e.Value != nil:
		text = e.ValueText() // by Backpack's one rule, also for older headers
	case e.NoValue():
		text = i18n.T("record.novalue")
	}
	note := ""
	if len(qs) > 0 {
		note = recMatchingNote(e, qs)
	}
	return app.Li().Body(app.A().Class("item entry-item").Href(PathEntry+e.ID).DataSet("id", e.ID).DataSet("kind", string(e.Kind)).Body(
		app.Span().Class("item-title").Body(recHighlight(recEntryTitle(e), qs)...),
		app.Time().Class("item-date").DateTime(recEntryDate(e)).Text(recEntryDate(e)),
		app.Span().Class("item-meta").Body(
			app.Span().Class("badge kind").Text(recKindLabel(e.Kind)),
			recResultBadge(e.Projection),
			recFlagBadge(e),
			app.If(text != "", func() app.UI {
				return app.Span().Class("item-text").Body(recHighlight(recOneLine(text, 140), qs)...)
			}),
		),
		app.If(note != "", func() app.UI {
			return app.Span().Class("item-meta item-note").Body(
				app.Span().Class("note-label").Text(i18n.T("rec.notes.one")+" "),
				app.Span().Body(recHighlight(note, qs)...),
			)
		}),
	))
}

// recMatchingNote returns the first personal note with a query word, shortened.
func recMatchingNote(e record.Entry, qs []string) string {
	for _, n := range e.Notes {
		for _, w := range recQueryWords(n.Text) {
			for _, q := range qs {
				if strings.HasPrefix(w, q) {
					return recOneLine(n.Text, 120)
				}
			}
		}
	}
	return ""
}

// recOneLine flattens s to one line of at most n runes.
func recOneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
