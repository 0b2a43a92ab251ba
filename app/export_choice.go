package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/exportdata"
	"backpack/internal/i18n"
	"backpack/internal/record"
	"backpack/internal/session"
)

// What an export or a share holds.
const (
	xpScopeAll     = "all"     // every entry and file of the chosen profiles
	xpScopeSummary = "summary" // the health summary: what a clinician needs first
	xpScopeCustom  = "custom"  // chosen kinds, the latest visit, chosen files
)

// exportChoice is the person's choice of what to export or share. The
// export and share pages keep one and render its form with render.
type exportChoice struct {
	hdr       exportdata.Data // headers only (no resources): enough to choose and count
	scope     string
	profiles  map[string]bool // profile id → chosen
	kinds     map[record.Kind]bool
	lastVisit bool
	summary   bool // custom: add summary.html and what a summary shows
	files     map[string]bool
	// attached adds the files attached to the chosen entries to those the
	// scope takes: what a manifest link carries (see shlSelection).
	attached bool
}

// newExportChoice starts with everything of every profile chosen.
func newExportChoice(s *session.Session) exportChoice {
	c := exportChoice{
		hdr:       xpHeaderData(s),
		scope:     xpScopeAll,
		profiles:  map[string]bool{},
		kinds:     map[record.Kind]bool{},
		files:     map[string]bool{},
		lastVisit: true,
		summary:   true,
	}
	for _, p := range c.hdr.Profiles {
		c.profiles[p.ID] = true
	}
	return c
}

// xpHeaderData is what the book holds, without the entries' resources.
func xpHeaderData(s *session.Session) exportdata.Data {
	var d exportdata.Data
	if s == nil {
		return d
	}
	b := s.Book()
	d.Profiles = b.Profiles()
	for _, p := range d.Profiles {
		page, _ := b.Timeline(record.Filter{Profile: p.ID}, 0, -1)
		d.Entries = append(d.Entries, page...)
		d.Files = append(d.Files, b.Files(p.ID)...)
		d.Questions = append(d.Questions, b.Questions(p.ID)...)
	}
	return d
}

// selection turns the choice into an exportdata.Selection.
func (c *exportChoice) selection() exportdata.Selection {
	var sel exportdata.Selection
	for _, p := range c.hdr.Profiles {
		if c.profiles[p.ID] {
			sel.Profiles = append(sel.Profiles, p.ID)
		}
	}
	switch len(sel.Profiles) {
	case 0:
		sel.Profiles = []string{"-"} // nothing chosen: matches no profile
	case len(c.hdr.Profiles):
		sel.Profiles = nil // everyone: the export is not a part
	}
	switch c.scope {
	case xpScopeSummary:
		sel.Entries = []string{}
		sel.Files = []string{}
		sel.IncludeSummary = true
		sel.IncludeIPS = true
	case xpScopeCustom:
		sel.Entries = []string{}
		latest := map[string]*record.Entry{}
		for i := range c.hdr.Entries {
			e := &c.hdr.Entries[i]
			if !c.profiles[e.Profile] {
				continue
			}
			if c.kinds[e.Kind] {
				sel.Entries = append(sel.Entries, e.ID)
			}
			if e.Kind == record.KindVisit {
				if l := latest[e.Profile]; l == nil || e.Date.After(l.Date) {
					latest[e.Profile] = e
				}
			}
		}
		if c.lastVisit {
			for _, p := range c.hdr.Profiles {
				if e := latest[p.ID]; e != nil && !c.kinds[record.KindVisit] {
					sel.Entries = append(sel.Entries, e.ID)
				}
			}
		}
		sel.Files = []string{}
		for _, f := range c.hdr.Files {
			if c.files[f.ID] {
				sel.Files = append(sel.Files, f.ID)
			}
		}
		sel.IncludeSummary = c.summary
		sel.IncludeIPS = c.summary
	default:
		sel.IncludeSummary = true
		sel.IncludeIPS = true
	}
	if c.attached && sel.Files != nil {
		sel.Files = withAttached(c.hdr, sel)
	}
	return sel
}

// withAttached is sel.Files and the files attached to the entries sel
// chooses in d.
func withAttached(d exportdata.Data, sel exportdata.Selection) []string {
	ids := append([]string{}, sel.Files...)
	seen := map[string]bool{}
	for _, id := range ids {
		seen[id] = true
	}
	for _, e := range d.Select(sel).Entries {
		for _, id := range e.Files {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// counts says how much the choice holds.
func (c *exportChoice) counts() (profiles, entries, files int, bytes int64) {
	d := c.hdr.Select(c.selection())
	for _, f := range d.Files {
		bytes += f.Size
	}
	return len(d.Profiles), len(d.Entries), len(d.Files), bytes
}

// empty reports whether the choice holds nothing at all.
func (c *exportChoice) empty() bool {
	p, e, f, _ := c.counts()
	return p == 0 || e+f == 0 && c.scope == xpScopeCustom && !c.summary
}

// kindCounts counts the entries of the chosen profiles by kind.
func (c *exportChoice) kindCounts() map[record.Kind]int {
	m := map[record.Kind]int{}
	for i := range c.hdr.Entries {
		if c.profiles[c.hdr.Entries[i].Profile] {
			m[c.hdr.Entries[i].Kind]++
		}
	}
	return m
}

// render is the "what to include" form. Its handlers change c; the page
// that renders it is updated with it.
func (c *exportChoice) render(prefix string, disabled bool) app.UI {
	radio := func(scope, label, hint string) app.UI {
		id := prefix + "-scope-" + scope
		return app.Label().Class("xp-check").For(id).Body(
			app.Input().Type("radio").ID(id).Name(prefix+"-scope").Value(scope).
				Checked(c.scope == scope).Disabled(disabled).
				OnChange(func(ctx app.Context, e app.Event) { c.scope = scope }, app.EventScope(scope)),
			app.Span().Class("xp-check-text").Body(
				app.Span().Text(label),
				app.Span().Class("field-hint").Text(hint),
			),
		)
	}
	box := func(id, label, hint string, checked bool, set func(bool)) app.UI {
		return xpCheckbox(id, label, hint, checked, disabled, set)
	}

	var profileBoxes []app.UI
	if len(c.hdr.Profiles) > 1 {
		for _, p := range c.hdr.Profiles {
			p := p
			profileBoxes = append(profileBoxes, box(prefix+"-profile-"+p.ID, xpProfileName(p), "", c.profiles[p.ID],
				func(v bool) { c.profiles[p.ID] = v }))
		}
	}

	var custom []app.UI
	if c.scope == xpScopeCustom {
		custom = append(custom,
			box(prefix+"-summary", i18n.T("ui.sel.summary"), i18n.T("ui.sel.summary.hint"), c.summary, func(v bool) { c.summary = v }),
			box(prefix+"-lastvisit", i18n.T("ui.sel.lastvisit"), "", c.lastVisit, func(v bool) { c.lastVisit = v }),
		)
		counts := c.kindCounts()
		var kinds []app.UI
		for _, k := range record.Kinds {
			n := counts[k]
			if n == 0 {
				continue
			}
			k := k
			kinds = append(kinds, box(prefix+"-kind-"+string(k), i18n.T("ui.sel.kind", i18n.T("record.kind."+string(k)), n), "",
				c.kinds[k], func(v bool) { c.kinds[k] = v }))
		}
		if len(kinds) > 0 {
			custom = append(custom, app.FieldSet().Class("xp-checks").Body(
				app.Legend().Text(i18n.T("ui.sel.kinds")),
				app.Range(kinds).Slice(func(i int) app.UI { return kinds[i] }),
			))
		}
		var files []app.UI
		for _, f := range c.hdr.Files {
			if !c.profiles[f.Profile] {
				continue
			}
			f := f
			files = append(files, box(prefix+"-file-"+f.ID, f.Name, xpSize(f.Size), c.files[f.ID], func(v bool) { c.files[f.ID] = v }))
		}
		if len(files) > 0 {
			custom = append(custom, app.FieldSet().Class("xp-checks").Body(
				app.Legend().Text(i18n.T("ui.sel.files")),
				app.Range(files).Slice(func(i int) app.UI { return files[i] }),
			))
		}
	}

	np, ne, nf, nb := c.counts()
	return app.Div().Class("xp-choice").Body(
		app.If(len(profileBoxes) > 0, func() app.UI {
			return app.FieldSet().Class("xp-checks").Body(
				app.Legend().Text(i18n.T("ui.sel.profiles")),
				app.Range(profileBoxes).Slice(func(i int) app.UI { return profileBoxes[i] }),
			)
		}),
		app.FieldSet().Class("xp-checks").Body(
			app.Legend().Text(i18n.T("ui.sel.what")),
			radio(xpScopeAll, i18n.T("ui.sel.all"), i18n.T("ui.sel.all.hint")),
			radio(xpScopeSummary, i18n.T("ui.sel.summaryonly"), i18n.T("ui.sel.summaryonly.hint")),
			radio(xpScopeCustom, i18n.T("ui.sel.custom"), i18n.T("ui.sel.custom.hint")),
		),
		app.If(len(custom) > 0, func() app.UI {
			return app.Div().Class("xp-custom").Body(app.Range(custom).Slice(func(i int) app.UI { return custom[i] }))
		}),
		app.P().ID(prefix+"-counts").Class("xp-counts").Aria("live", "polite").
			Text(i18n.T("ui.sel.counts", np, ne, nf, xpSize(nb))),
	)
}

// xpProfileName is a profile's name, or a placeholder when it has none.
func xpProfileName(p record.Profile) string {
	if p.Name == "" {
		return i18n.T("export.summary.unnamed")
	}
	return p.Name
}

// xpSize is a byte count for people in the current language.
func xpSize(n int64) string { return i18n.Size(i18n.Current(), n) }

// xpCheckbox is a labelled checkbox with a hint; set gets its new state.
// The handler is scoped by id: each box's set acts on its own choice.
func xpCheckbox(id, label, hint string, checked, disabled bool, set func(bool)) app.UI {
	return app.Label().Class("xp-check").For(id).Body(
		app.Input().Type("checkbox").ID(id).Checked(checked).Disabled(disabled).
			OnChange(func(ctx app.Context, e app.Event) { set(ctx.JSSrc().Get("checked").Bool()) }, app.EventScope(id)),
		app.Span().Class("xp-check-text").Body(
			app.Span().Text(label),
			app.If(hint != "", func() app.UI { return app.Span().Class("field-hint").Text(hint) }),
		),
	)
}
