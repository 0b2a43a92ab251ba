package ui

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// mounted keeps a component's own context, from OnMount, for work that
// outlives the element it started from. go-app's Dispatch and Defer do
// nothing once their context's element is gone, and an event handler's
// context is the element the event was set on: a button that the render
// after the event replaces (a "Show preview" the loading line takes the
// place of, "Add a person" giving way to its form, an offer that goes once
// chosen) would lose what its work reports, and the screen would stay at
// "Loading…" for good. Embed it in the component and report through
// own(ctx); a component with an OnMount of its own calls m.mounted.OnMount
// from it. (app/reports_test.go checks every handler for this.)
type mounted struct{ ctx app.Context }

// OnMount keeps the component's context.
func (m *mounted) OnMount(ctx app.Context) { m.ctx = ctx }

// own is the component's context, or ctx before the component is mounted
// (or on a nil m).
func (m *mounted) own(ctx app.Context) app.Context {
	if m != nil && m.ctx.Context != nil {
		return m.ctx
	}
	return ctx
}
