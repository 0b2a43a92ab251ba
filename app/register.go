// Package ui is Backpack's user interface (directory app/): go-app
// components, one file per page, compiled to WebAssembly. Every user-visible
// string comes from the message catalog (backpack/internal/i18n).
//
// The same routes are registered on the server, which prerenders pages and
// knows which paths exist; browser-only code sits behind js && wasm build tags.
package ui

import (
	"sync"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Route paths. Pages link to these constants, never to literals.
const (
	PathHome = "/"
)

// page is one routed page.
type page struct {
	path    string
	pattern bool // path is a regular expression
	new     func() app.Composer
}

var (
	pagesMu sync.Mutex
	pages   = []page{
		{path: PathHome, new: func() app.Composer { return &Home{} }},
	}
	registerOnce sync.Once
)

// addPage lets page files register themselves from init.
func addPage(path string, pattern bool, newPage func() app.Composer) {
	pagesMu.Lock()
	defer pagesMu.Unlock()
	pages = append(pages, page{path: path, pattern: pattern, new: newPage})
}

// Register registers every route with go-app. Safe to call more than once.
func Register() {
	registerOnce.Do(func() {
		pagesMu.Lock()
		defer pagesMu.Unlock()
		for _, p := range pages {
			if p.pattern {
				app.RouteWithRegexp(p.path, p.new)
			} else {
				app.Route(p.path, p.new)
			}
		}
	})
}

// Paths returns the plain (non-pattern) routes, for the static site.
func Paths() []string {
	pagesMu.Lock()
	defer pagesMu.Unlock()
	var out []string
	for _, p := range pages {
		if !p.pattern {
			out = append(out, p.path)
		}
	}
	return out
}
