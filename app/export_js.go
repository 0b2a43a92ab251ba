//go:build js && wasm

package ui

import (
	"context"
	"syscall/js"

	"backpack/internal/exportdata"
	"backpack/internal/jsutil"
)

// xpSave offers the object URL u as a download named name. Unlike
// clickDownload it does not revoke u: the page keeps it for "download
// again" and revokes it when it goes away.
func xpSave(u, name string) {
	doc := js.Global().Get("document")
	a := doc.Call("createElement", "a")
	a.Set("href", u)
	a.Set("download", exportdata.SafeName(name, "file")) // a shared file's name is anyone's
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

// perfMark marks a stage of long work on the page's timeline (the Long
// Tasks listing of the benches, BACKPACK_LONGTASKS=1): a stage's name only,
// never anything of the record.
func perfMark(name string) { js.Global().Get("performance").Call("mark", name) }
