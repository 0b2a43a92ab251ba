//go:build js && wasm

package ui

import (
	"context"
	"syscall/js"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/jsutil"
)

// newVersionInstalled reports whether the service worker that is now active
// caches another version than the one running. (go-app reports an update on
// the very first install too, when the worker claims the page.)
func newVersionInstalled() bool {
	caches := js.Global().Get("caches")
	if !caches.Truthy() {
		return false
	}
	keys, err := jsutil.Await(context.Background(), caches.Call("keys"))
	if err != nil {
		return false
	}
	running := swCache()
	n := keys.Length()
	for i := 0; i < n; i++ {
		if keys.Index(i).String() == running {
			return false
		}
	}
	return n > 0
}

// swCache is the name of the service worker's cache for the running
// version (internal/server/worker.js).
func swCache() string { return "backpack-" + app.Getenv("GOAPP_VERSION") }
