//go:build js && wasm

package ui

import (
	"context"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/i18n"
	"backpack/internal/vault/idbstore"
)

// storagePersisted reports whether the browser already keeps this site's storage
// (navigator.storage.persisted), without asking.
func storagePersisted(ctx context.Context) (bool, error) { return idbstore.Persisted(ctx) }

// vaultFocus moves keyboard focus to the element with id, after the next render.
func vaultFocus(ctx app.Context, id string) {
	ctx.Defer(func(app.Context) {
		if el := app.Window().GetElementByID(id); el.Truthy() {
			el.Call("focus")
		}
	})
}

// switchLangLive changes the interface language without reloading the page
// (a reload would lock the vault).
func switchLangLive(l i18n.Lang) {
	setLang(l)
	app.Window().Get("document").Get("documentElement").Set("lang", string(i18n.Current()))
}
