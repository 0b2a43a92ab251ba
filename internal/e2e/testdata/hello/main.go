//go:build js && wasm

// Command hello is the go-app hello world that BenchmarkPhone compares
// Backpack with: built, compressed and served the same way, in the same
// run. It marks its first mount as Backpack does (main[data-mounted],
// window.backpackMountedAt).
package main

import "github.com/maxence-charriere/go-app/v10/pkg/app"

type hello struct {
	app.Compo
	mounted bool
}

func (h *hello) OnMount(ctx app.Context) {
	if w := app.Window(); w.Get("backpackMountedAt").IsUndefined() {
		w.Set("backpackMountedAt", w.Get("performance").Call("now"))
	}
	h.mounted = true
}

func (h *hello) Render() app.UI {
	return app.Main().DataSet("mounted", h.mounted).Body(app.H1().Text("Hello, world!"))
}

func main() {
	app.Route("/", func() app.Composer { return &hello{} })
	app.RunWhenOnBrowser()
}
