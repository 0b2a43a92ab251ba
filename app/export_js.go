//go:build js && wasm

package ui

import (
	"context"
	"strings"
	"syscall/js"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"backpack/internal/export"
	"backpack/internal/jsutil"
	"backpack/internal/seipd"
)

// xpSave offers the object URL u as a download named name. Unlike
// clickDownload it does not revoke u: the page keeps it for "download
// again" and revokes it when it goes away.
func xpSave(u, name string) {
	doc := js.Global().Get("document")
	a := doc.Call("createElement", "a")
	a.Set("href", u)
	a.Set("download", export.SafeName(name, "file")) // a shared file's name is anyone's
	a.Set("rel", "noopener")
	doc.Get("body").Call("appendChild", a)
	a.Call("click")
	a.Call("remove")
}

// xpReadText reads a small text file the person picked (a key file).
func xpReadText(f jsFile, limit int64) (string, error) {
	if f.Size() > limit {
		return "", errXPTooBig
	}
	v, err := jsutil.Await(context.Background(), f.v.Call("text"))
	if err != nil {
		return "", err
	}
	return v.String(), nil
}

// xpPublishStats puts timings (never health data) on window[name], for the
// benchmarks in internal/e2e.
func xpPublishStats(name string, m map[string]float64) {
	o := js.Global().Get("Object").New()
	for k, v := range m {
		o.Set(k, v)
	}
	js.Global().Set(name, o)
}

// The page hashes exports' integrity codes in a worker (served by the
// server), at this version's URL, which the service worker keeps offline.
func init() {
	seipd.WorkerURL = seipd.WorkerPath
	if web := app.Getenv("GOAPP_STATIC_RESOURCES_URL"); web != "" {
		seipd.WorkerURL = web + strings.TrimPrefix(seipd.WorkerPath, "/web")
	}
}
