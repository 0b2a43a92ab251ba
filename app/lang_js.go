//go:build js && wasm

package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
)

const langKey = "backpack.lang" // a preference, never health data

func init() {
	l := i18n.Lang(app.Window().Get("localStorage").Call("getItem", langKey).String())
	if l == "" || l == "<null>" {
		l = i18n.Match(app.Window().Get("navigator").Get("language").String())
	}
	i18n.SetLang(l)
	app.Window().Get("document").Get("documentElement").Set("lang", string(i18n.Current()))
}

func setLang(l i18n.Lang) {
	app.Window().Get("localStorage").Call("setItem", langKey, string(l))
	i18n.SetLang(l)
}

// markMounted records when the first page mounted, for tests and benchmarks.
func markMounted() {
	w := app.Window()
	if w.Get("backpackMountedAt").IsUndefined() {
		w.Set("backpackMountedAt", w.Get("performance").Call("now"))
	}
}
